import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file that might be hostile: only a regular file (a FIFO or a device in its place
/// would hang or never end a plain read), and only up to `maxBytes`. nil when it is missing,
/// not a regular file, too large, or unreadable.
public enum FileRead {
    public static func contents(_ path: String, maxBytes: Int = 64 << 20) -> Data? {
        guard case .regular(let size)? = kind(path), size <= maxBytes else { return nil }
        return FileManager.default.contents(atPath: path)
    }

    public enum Kind: Equatable { case regular(size: Int), directory, other }

    /// What is at `path`, following symbolic links (a linked data file is a file); nil: nothing.
    public static func kind(_ path: String) -> Kind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int(st.st_size))
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The last `maxBytes` of a regular file (from the first whole line), as UTF-8 with
    /// invalid bytes replaced: a log that grows while it is read.
    public static func tail(_ path: String, maxBytes: Int) -> String? {
        guard case .regular(let size)? = kind(path), let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let start = max(0, size - maxBytes)
        guard (try? h.seek(toOffset: UInt64(start))) != nil, let data = try? h.read(upToCount: maxBytes) else { return nil }
        var bytes = data[...]
        if start > 0, let nl = bytes.firstIndex(of: 0x0A) { bytes = bytes[(nl + 1)...] }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func string(_ path: String, maxBytes: Int = 64 << 20) -> String? {
        contents(path, maxBytes: maxBytes).flatMap { String(data: $0, encoding: .utf8) }
    }
}
