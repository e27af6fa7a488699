import Foundation
import XCTest
import JSON
import Metrics
import Text
import TestSupport

/// METEOR 1.5 against the official jar (Tests/Fixtures/metrics/meteor.json, made by
/// tools/make_meteor_fixtures.py with pycocoevalcap's meteor-1.5.jar), reading the jar's
/// resources cut down to the E2E texts' words (Tests/Fixtures/metrics/meteor-e2e: a jar of
/// the resource entries and data/paraphrase-en.gz, as pycocoevalcap lays them out).
final class Meteor15Tests: XCTestCase {
    static let data = TestPaths.fixtures + "/metrics/meteor-e2e"

    func fixture() throws -> JSONValue {
        try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/metrics/meteor.json", encoding: .utf8))
    }

    func testSnowballStemmerEqualsTheJars() throws {
        let pairs = try fixture()["stems"]!.array!.map { ($0.array![0].string!, $0.array![1].string!) }
        XCTAssertGreaterThan(pairs.count, 2000)
        let wrong = pairs.filter { SnowballEnglishStemmer.stem($0.0) != $0.1 }
        XCTAssertEqual(wrong.count, 0, "first: \(wrong.prefix(10).map { "\($0.0) → \(SnowballEnglishStemmer.stem($0.0)), jar \($0.1)" })")
    }

    func testNormalizerEqualsTheJars() throws {
        let resources = try MeteorResources.load(Self.data)
        let pairs = try fixture()["normalizer"]!.array!.map { ($0.array![0].string!, $0.array![1].string!) }
        XCTAssertGreaterThan(pairs.count, 60)
        for (input, want) in pairs { XCTAssertEqual(resources.normalizer.normalize(input), want, input) }
    }

    /// Every segment's statistics of the four real E2E systems equal the jar's, and so the
    /// corpus scores (the jar's to 1e-9, measure_scores.py's four decimals to 1e-4).
    func testEveryE2ESegmentAndCorpusEqualsTheJar() throws {
        let want = try fixture()["systems"]!
        let official = try JSONParser.parse(String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/official_scores.json", encoding: .utf8))
        let test = try DatasetSpec.load(TestPaths.shared + "/data/e2e/testset_w_refs.csv")
        let refs = test.examples.map { $0.references.map { PTBTokenizer.tokenize($0.trimmingCharacters(in: .whitespaces)).joined(separator: " ") } }
        let meteor = Meteor15(resources: try MeteorResources.load(Self.data))
        for name in E2EOfficialScoresTests.systems {
            var lines = try String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/" + name, encoding: .utf8)
                .components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            if lines.last == "" { lines.removeLast() }
            let hyps = lines.map { PTBTokenizer.tokenize($0).joined(separator: " ") }
            let result = try meteor.corpus(candidates: hyps, references: refs)
            let jar = want[name]!["stats"]!.array!.map { $0.string!.split(separator: " ").map { Double($0)! } }
            XCTAssertEqual(result.segments.count, jar.count)
            let differing = zip(result.segments, jar).enumerated().filter { $0.element.0.line != $0.element.1 }
            XCTAssertEqual(differing.count, 0, "\(name): segments \(differing.prefix(3).map { "\($0.offset): ours \($0.element.0.line.map { Int($0) }) jar \($0.element.1.map { Int($0) })" })")
            XCTAssertEqual(result.score, want[name]!["corpus"]!.number!, accuracy: 1e-9, name)
            XCTAssertEqual(result.score, official[name]!["METEOR"]!.number!, accuracy: 1e-4, name)
            print(String(format: "%@: METEOR 1.5 %.6f (jar %.6f, measure_scores.py %.4f)", name, result.score,
                         want[name]!["corpus"]!.number!, official[name]!["METEOR"]!.number!))
        }
    }

    func testIdenticalLinesScoreOneChunkAndAnEmptyLineZero() throws {
        let meteor = Meteor15(resources: try MeteorResources.load(Self.data))
        let r = try meteor.corpus(candidates: ["the eagle is a coffee shop", ""], references: [["the eagle is a coffee shop"], ["the eagle"]])
        XCTAssertEqual(r.segments[0].chunks, 1)
        XCTAssertEqual(r.segments[0].score, 1 - 0.0, accuracy: 1e-12)
        XCTAssertEqual(r.segments[1].score, 0)
    }

    /// Damaged or misplaced resources get one line naming the file and what was expected.
    func testBadResourcesAreRefusedWithTheirReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("meteor-bad-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { _ = try MeteorResources.load(dir + "/nothing") }.contains("no such file or folder"))
        XCTAssertTrue(message { _ = try MeteorResources.load(dir) }.contains("no meteor-1.5.jar and no readable function/english.words"))

        let jar = try Data(contentsOf: URL(fileURLWithPath: Self.data + "/meteor-1.5.jar"))
        try jar.prefix(jar.count / 2).write(to: URL(fileURLWithPath: dir + "/meteor-1.5.jar"))
        XCTAssertTrue(message { _ = try MeteorResources.load(dir) }.contains("not a zip archive"), message { _ = try MeteorResources.load(dir) })
        // A central directory pointing past the end of the file.
        var bytes = [UInt8](jar)
        let eocd = bytes.count - 22
        bytes[eocd + 16] = 0xFF; bytes[eocd + 17] = 0xFF; bytes[eocd + 18] = 0xFF; bytes[eocd + 19] = 0x7F
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/meteor-1.5.jar"))
        XCTAssertTrue(message { _ = try MeteorResources.load(dir) }.contains("outside the file"))

        try jar.write(to: URL(fileURLWithPath: dir + "/meteor-1.5.jar"))
        XCTAssertTrue(message { _ = try MeteorResources.load(dir) }.contains("no paraphrase table"))
        let gz = try Data(contentsOf: URL(fileURLWithPath: Self.data + "/data/paraphrase-en.gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: dir + "/data/paraphrase-en.gz"))
        let meteor = Meteor15(resources: try MeteorResources.load(dir))
        let cut = message { _ = try meteor.corpus(candidates: ["a"], references: [["a"]]) }
        XCTAssertTrue(cut.contains("paraphrase-en.gz") && cut.contains("ends early"), cut)
        try Data("not gzip at all".utf8).write(to: URL(fileURLWithPath: dir + "/data/paraphrase-en.gz"))
        XCTAssertTrue(message { _ = try meteor.corpus(candidates: ["a"], references: [["a"]]) }.contains("not gzip data"))
    }

    func testLocateFindsAPycocoevalcapInstall() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meteor-venv-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let meteor = root + "/lib/python3.11/site-packages/pycocoevalcap/meteor"
        try FileManager.default.createDirectory(atPath: meteor, withIntermediateDirectories: true)
        XCTAssertNil(MeteorResources.locate(environment: ["VIRTUAL_ENV": root], workingDirectory: root + "/none").flatMap { $0.hasPrefix(root) ? $0 : nil })
        try Data().write(to: URL(fileURLWithPath: meteor + "/meteor-1.5.jar"))
        XCTAssertEqual(MeteorResources.locate(environment: ["VIRTUAL_ENV": root], workingDirectory: root + "/none"), meteor)
        XCTAssertEqual(MeteorResources.locate(environment: ["PREFIXLAB_METEOR_DATA": "/x", "VIRTUAL_ENV": root]), "/x")
    }
}
