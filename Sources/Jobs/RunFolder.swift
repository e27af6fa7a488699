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
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw Error(description: "\(path): cannot create the run folder (\(RunFolder.reason(error)))")
        }
        let now = Timestamp.now()
        let run = RunFolder(path: path, info: info + [("created", .string(now)), ("updated", .string(now))])
        try run.writeInfo()
        return run
    }

    /// Opens an existing run folder to continue it.
    public static func open(path: String) throws -> RunFolder {
        let file = path + "/run.json"
        guard let data = FileRead.contents(file) else { throw Error(description: "\(file): no such run (run.json missing)") }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw Error(description: "\(file): unreadable (\(error))") }
        guard let pairs = v.object else { throw Error(description: "\(file): not a JSON object") }
        return RunFolder(path: path, info: pairs)
    }

    private init(path: String, info: [(String, JSONValue)]) {
        self.path = path
        self.info = info
        eventsFD = Glibc.open(path + "/events.jsonl", O_RDWR | O_CREAT | O_APPEND, 0o644)
        endTornLine()
    }

    deinit {
        if eventsFD >= 0 { close(eventsFD) }
        if lockFD >= 0 { close(lockFD) }
    }

    /// A crash can leave a last line without its newline; the next event must not join it.
    private func endTornLine() {
        guard eventsFD >= 0 else { return }
        let end = lseek(eventsFD, 0, SEEK_END)
        guard end > 0 else { return }
        var last: UInt8 = 0
        guard pread(eventsFD, &last, 1, end - 1) == 1, last != 0x0A else { return }
        _ = "\n".withCString { write(eventsFD, $0, 1) }
    }

    private var lockFD: Int32 = -1

    /// Takes the run's lock (flock on RUN/.lock, holding this process's pid) for as long as
    /// this folder object lives: one process trains or evaluates a run at a time. Another
    /// holder is named in the error. The lock ends with its process, so a crash leaves none.
    public func lock(for what: String) throws {
        guard lockFD < 0 else { return }
        let file = path + "/.lock"
        let fd = Glibc.open(file, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw Error(description: "\(file): cannot open the run's lock (\(String(cString: strerror(errno))))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buf = [UInt8](repeating: 0, count: 64)
            let n = pread(fd, &buf, 63, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "another process"
            throw Error(description: "\(path): locked by \(holder) (\(file)); wait for it to end or stop it, then try again")
        }
        _ = ftruncate(fd, 0)
        let text = "process \(getpid()) (\(what))\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        lockFD = fd
        // A pause or cancel left from before this process started (a workbench that asked a
        // run which had already stopped) must not stop it; one written since, even before the
        // lock was taken, is a request for this run and counts. Clock ticks are 10 ms.
        let control = path + "/control"
        if let written = (try? FileManager.default.attributesOfItem(atPath: control))?[.modificationDate] as? Date,
           written < ProcessStart.date.addingTimeInterval(-0.05) {
            try? FileManager.default.removeItem(atPath: control)
        }
    }

    /// Whether some process holds the run's lock now.
    public static func isLocked(_ path: String) -> Bool { lockHolder(path) != nil }

    /// The process holding the run's lock now: its pid as the lock file records it (0 when
    /// the file does not say), or nil when nobody holds it. Who trains a run is decided by
    /// this, not by what run.json says.
    public static func lockHolder(_ path: String) -> Int32? {
        let fd = Glibc.open(path + "/.lock", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return nil }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = pread(fd, &buf, 63, 0)
        guard n > 0 else { return 0 }
        let words = String(decoding: buf[0..<n], as: UTF8.self).split(separator: " ")
        return words.count >= 2 && words[0] == "process" ? Int32(words[1]) ?? 0 : 0
    }

    static func reason(_ error: Swift.Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return ns.localizedDescription
    }

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
        guard let data = FileRead.contents(path) else { return nil }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        return "fnv1a64:" + String(h, radix: 16)
    }
}
