import Foundation
import Support

/// METEOR 1.5's English resources, read where the user has them: the jar itself (its
/// function/, nonbreaking/ and synonym/ entries) with the paraphrase table beside it
/// (data/paraphrase-en.gz, as pycocoevalcap installs them), a folder holding that jar, or a
/// folder of the same files unpacked. Nothing is copied out of them.
public struct MeteorResources: Sendable {
    public let location: String
    public let functionWords: Set<String>
    public let normalizer: MeteorNormalizer
    public let synonyms: MeteorSynonyms
    public let paraphrasePath: String

    static let jarName = "meteor-1.5.jar"
    static let entries = ["function/english.words", "nonbreaking/english.prefixes", "synonym/english.synsets", "synonym/english.exceptions"]

    public static func load(_ path: String) throws -> MeteorResources {
        let fail = { (why: String) in Inflate.Failure(description: "--meteor-data \(path): \(why)") }
        var files: [String: [UInt8]] = [:]
        let folder: String
        switch FileRead.kind(path) {
        case .regular?:
            folder = (path as NSString).deletingLastPathComponent
            files = try jarEntries(path)
        case .directory?:
            folder = path
            let jar = (path as NSString).appendingPathComponent(jarName)
            if case .regular? = FileRead.kind(jar) {
                files = try jarEntries(jar)
            } else {
                for e in entries {
                    let p = (path as NSString).appendingPathComponent(e)
                    guard let data = FileRead.contents(p, maxBytes: ZipArchive.maxEntryBytes) else {
                        throw fail("no \(jarName) and no readable \(e) (a folder of METEOR's resources needs \(entries.joined(separator: ", ")))")
                    }
                    files[e] = [UInt8](data)
                }
            }
        default:
            throw fail("no such file or folder (the METEOR 1.5 jar, the folder holding it, or its resources unpacked)")
        }
        let paraphrase = ["data/paraphrase-en.gz", "paraphrase-en.gz"].map { (folder as NSString).appendingPathComponent($0) }
            .first { if case .regular? = FileRead.kind($0) { return true } else { return false } }
        guard let paraphrase else { throw fail("no paraphrase table (data/paraphrase-en.gz or paraphrase-en.gz beside the resources)") }
        func text(_ e: String) -> String { String(decoding: files[e]!, as: UTF8.self) }
        let words = Set(text(entries[0]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        return MeteorResources(location: path, functionWords: words,
                               normalizer: MeteorNormalizer(prefixFile: text(entries[1])),
                               synonyms: try MeteorSynonyms(synsets: text(entries[2]), exceptions: text(entries[3]), file: path + " (" + entries[2] + ")"),
                               paraphrasePath: paraphrase)
    }

    static func jarEntries(_ jar: String) throws -> [String: [UInt8]] {
        let zip = try ZipArchive(path: jar)
        var files: [String: [UInt8]] = [:]
        for e in entries {
            guard let b = try zip.read(e) else { throw Inflate.Failure(description: "\(jar): no \(e) in it (not METEOR 1.5's jar?)") }
            files[e] = b
        }
        return files
    }

    /// Where METEOR's resources are when the user names none: $PREFIXLAB_METEOR_DATA, else a
    /// pycocoevalcap install in the torch engine's environment, the active virtual
    /// environment, the user's or the system's site-packages. nil: none found (the labelled
    /// approximation is used then).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              workingDirectory: String = FileManager.default.currentDirectoryPath) -> String? {
        if let p = environment["PREFIXLAB_METEOR_DATA"], !p.isEmpty { return p }
        var roots = [workingDirectory + "/engines/torch/.venv/lib"]
        if let v = environment["VIRTUAL_ENV"] { roots.append(v + "/lib") }
        if let h = environment["HOME"] { roots.append(h + "/.local/lib") }
        roots += ["/usr/local/lib", "/usr/lib"]
        for root in roots {
            let pythons = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix("python3") }.sorted()
            for py in pythons {
                for packages in ["site-packages", "dist-packages"] {
                    let dir = "\(root)/\(py)/\(packages)/pycocoevalcap/meteor"
                    if case .regular? = FileRead.kind(dir + "/" + jarName) { return dir }
                }
            }
        }
        return nil
    }
}
