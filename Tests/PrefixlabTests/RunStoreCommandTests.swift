import Foundation
import XCTest
import JSON
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The run store as a user meets it: `runs list` after a crash, a corrupt run, a torn log.
final class RunStoreCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }
    let pairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"

    func list(_ ws: String) throws -> [String: JSONValue] {
        let r = try runProcess(prefixlab, ["runs", "list", "--workspace", ws, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        var byId: [String: JSONValue] = [:]
        for run in try JSONParser.parse(r.out)["runs"]!.array! { byId[run["id"]!.string!] = run }
        return byId
    }

    /// kill -9 in the middle of training: the run reads as interrupted (not running, not lost),
    /// its events up to the crash are readable (a torn last line is skipped with a warning),
    /// and --resume continues from the last checkpoint.
    func testKilledRunIsInterruptedAndResumes() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("crash")
        let dir = ws + "/runs/crash"
        let p = Process()
        p.executableURL = prefixlab
        p.arguments = ["train", "--model", model, "--train", pairs, "--method", "prefix", "--prefix-length", "3", "--mid-dim", "16",
                       "--batch-size", "3", "--epochs", "100000", "--checkpoint-every", "5", "--out", dir]
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        var steps = 0
        while Date() < deadline {
            let text = (try? String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8)) ?? ""
            steps = text.components(separatedBy: "\"type\": \"step\"").count - 1
            if steps >= 12 { break }
            usleep(20_000)
        }
        XCTAssertGreaterThanOrEqual(steps, 12, "training did not get going")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        // A write cut short by the crash.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/events.jsonl"))
        h.seekToEndOfFile()
        h.write(Data(#"{"type": "step", "run": "crash", "st"#.utf8))
        try h.close()

        let run = try XCTUnwrap(try list(ws)["crash"])
        XCTAssertEqual(run["status"]?.string, "interrupted")
        XCTAssertGreaterThanOrEqual(run["step"]!.int!, 12)
        XCTAssertTrue(run["problem"]?.string?.contains("skipped unreadable line") ?? false, "\(run)")

        let r = try runProcess(prefixlab, ["train", "--resume", dir, "--max-steps", "300"])
        XCTAssertEqual(r.status, 0, r.err)
        let after = try XCTUnwrap(try list(ws)["crash"])
        XCTAssertEqual(after["status"]?.string, "done")
        XCTAssertEqual(after["step"]?.int, 300)
        XCTAssertTrue(try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).contains("\"type\": \"resumed\""))
    }

    func testCorruptRunIsListedAsUnreadableAndOthersStillLoad() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("store")
        var r = try runProcess(prefixlab, ["train", "--model", model, "--train", pairs, "--method", "embedding", "--prefix-length", "2",
                                           "--max-steps", "2", "--out", ws + "/runs/good"])
        XCTAssertEqual(r.status, 0, r.err)
        try FileManager.default.createDirectory(atPath: ws + "/runs/bad", withIntermediateDirectories: true)
        try "{\"status\": \"done\", ".write(toFile: ws + "/runs/bad/run.json", atomically: true, encoding: .utf8)
        let runs = try list(ws)
        XCTAssertEqual(runs["good"]?["status"]?.string, "done")
        XCTAssertEqual(runs["good"]?["step"]?.int, 2)
        XCTAssertEqual(runs["bad"]?["status"]?.string, "unreadable")
        XCTAssertTrue(runs["bad"]?["problem"]?.string?.contains("bad/run.json: not valid JSON") ?? false)
        r = try runProcess(prefixlab, ["runs", "show", "good", "--workspace", ws, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try JSONParser.parse(r.out)["summary"]?["method"]?.string, "embedding")
        r = try runProcess(prefixlab, ["runs", "rm", "bad", "--workspace", ws])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNil(try list(ws)["bad"])
    }
}
