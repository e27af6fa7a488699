import Foundation
import Events
import JSON
import Support
#if canImport(Glibc)
import Glibc
#endif

/// One run's folder in the run store, as a job writes it: run.json (the run spec under
/// `config`, command line, hashes, status, timestamps), events.jsonl (append-only, one event a
/// line), checkpoints/. docs/RUNS.md describes the layout.
public final class RunFolder {
    public let path: String
    public var id: String { (path as NSString).lastPathComponent }
    public private(set) var info: [(String, JSONValue)]
    private let eventsFD: Int32

    public struct Error: Swift.Error, CustomStringConvertible { public let description: String }

    /// Creates a new run folder (and missing parents); refuses one that exists.
    public static func create(path: String, info: [(String, JSONValue)]) throws -> RunFolder {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            throw Error(description: "\(path): run folder exists; choose another --out, or continue it with --resume \(path)")
        }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        let now = Timestamp.now()
        let run = RunFolder(path: path, info: info + [("created", .string(now)), ("updated", .string(now))])
        try run.writeInfo()
        return run
    }

    /// Opens an existing run folder to continue it.
    public static func open(path: String) throws -> RunFolder {
        let file = path + "/run.json"
        guard let data = FileManager.default.contents(atPath: file) else { throw Error(description: "\(file): no such run (run.json missing)") }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw Error(description: "\(file): unreadable (\(error))") }
        guard let pairs = v.object else { throw Error(description: "\(file): not a JSON object") }
        return RunFolder(path: path, info: pairs)
    }

    private init(path: String, info: [(String, JSONValue)]) {
        self.path = path
        self.info = info
        eventsFD = Glibc.open(path + "/events.jsonl", O_WRONLY | O_CREAT | O_APPEND, 0o644)
    }

    deinit { if eventsFD >= 0 { close(eventsFD) } }

    public subscript(key: String) -> JSONValue? { info.first { $0.0 == key }?.1 }

    /// Sets fields of run.json and rewrites it atomically.
    public func update(_ fields: [(String, JSONValue)]) throws {
        for (k, v) in fields + [("updated", .string(Timestamp.now()))] {
            if let i = info.firstIndex(where: { $0.0 == k }) { info[i].1 = v } else { info.append((k, v)) }
        }
        try writeInfo()
    }

    private func writeInfo() throws {
        try AtomicFile.write(Data((JSONValue.object(info).serialized + "\n").utf8), to: path + "/run.json")
    }

    /// Appends one event as one line in one write, so a crash leaves at most a torn last line.
    public func append(_ kind: RunEvent.Kind) {
        append(RunEvent(run: id, kind))
    }

    public func append(_ event: RunEvent) {
        let line = event.jsonLine + "\n"
        _ = line.withCString { write(eventsFD, $0, strlen($0)) }
    }

    /// FNV-1a 64 of a file's bytes, hex (identifies model and data files; not cryptographic).
    public static func fileHash(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        return "fnv1a64:" + String(h, radix: 16)
    }
}
