import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file under a temporary name in the same folder, then renames it into place, so a
/// reader (or a crash) never sees half a file.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw FileWriteError(path: path, message: "cannot write (\(error.localizedDescription))")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw FileWriteError(path: path, message: "cannot rename \(tmp) into place (\(reason))")
        }
    }
}

/// A file that could not be written; the message names it and says why.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}
