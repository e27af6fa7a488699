import Foundation
import Support

/// The entries of a zip archive (a jar), read through its central directory: stored and
/// deflated entries, no zip64 or encryption (METEOR's jar has neither). Every offset and
/// size comes from the file, so each is checked against the archive's length before use.
public struct ZipArchive {
    struct Entry { let method: Int, compressedSize: Int, size: Int, localHeader: Int }

    public let path: String
    let bytes: [UInt8]
    let entries: [String: Entry]

    public static let maxArchiveBytes = 512 << 20, maxEntryBytes = 64 << 20

    public init(path: String) throws {
        self.path = path
        guard case .regular(let size)? = FileRead.kind(path) else { throw Inflate.Failure(description: "\(path): not a readable file") }
        guard size <= Self.maxArchiveBytes, let data = FileRead.contents(path, maxBytes: Self.maxArchiveBytes) else {
            throw Inflate.Failure(description: "\(path): larger than \(Self.maxArchiveBytes >> 20) MiB, not a jar to read")
        }
        bytes = [UInt8](data)
        entries = try Self.centralDirectory(bytes, path: path)
    }

    public var names: [String] { entries.keys.sorted() }

    /// One entry's bytes; nil when the archive has no such entry.
    public func read(_ name: String) throws -> [UInt8]? {
        guard let e = entries[name] else { return nil }
        let what = "\(path) (\(name))"
        guard e.size <= Self.maxEntryBytes else { throw Inflate.Failure(description: "\(what): \(e.size) bytes, more than \(Self.maxEntryBytes >> 20) MiB") }
        guard e.localHeader <= bytes.count - 30, u32(e.localHeader) == 0x0403_4b50 else {
            throw Inflate.Failure(description: "\(what): no local header where the central directory says")
        }
        let (start, o1) = (e.localHeader + 30).addingReportingOverflow(u16(e.localHeader + 26) + u16(e.localHeader + 28))
        let (end, o2) = start.addingReportingOverflow(e.compressedSize)
        guard !o1, !o2, end <= bytes.count else { throw Inflate.Failure(description: "\(what): its data runs past the end of the archive") }
        switch e.method {
        case 0:
            guard e.compressedSize == e.size else { throw Inflate.Failure(description: "\(what): a stored entry whose two sizes differ") }
            return Array(bytes[start..<end])
        case 8: return try Inflate.raw(bytes[start..<end], size: e.size, name: what)
        default: throw Inflate.Failure(description: "\(what): compression method \(e.method); only stored (0) and deflate (8) are read")
        }
    }

    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }

    static func centralDirectory(_ b: [UInt8], path: String) throws -> [String: Entry] {
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let bad = { (why: String) in Inflate.Failure(description: "\(path): not a zip archive (\(why))") }
        guard b.count >= 22 else { throw bad("shorter than an end record") }
        // The end record: the last signature within the maximum comment length from the end.
        var eocd = -1
        var i = b.count - 22
        while i >= max(0, b.count - 22 - 0xFFFF) {
            if u32(i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record") }
        let count = u16(eocd + 10), dirSize = u32(eocd + 12), dirStart = u32(eocd + 16)
        guard count != 0xFFFF, dirStart != 0xFFFF_FFFF else { throw bad("zip64, which is not read") }
        guard dirStart <= eocd, dirSize <= eocd - dirStart else { throw bad("its central directory lies outside the file") }
        var entries: [String: Entry] = [:]
        var at = dirStart
        for _ in 0..<count {
            guard at <= eocd - 46, u32(at) == 0x0201_4b50 else { throw bad("a central directory entry is cut short") }
            let nameLength = u16(at + 28), extra = u16(at + 30), comment = u16(at + 32)
            guard at + 46 + nameLength <= eocd else { throw bad("an entry's name runs past the directory") }
            let name = String(decoding: b[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            if u16(at + 8) & 1 != 0 { throw bad("\(name) is encrypted") }
            entries[name] = Entry(method: u16(at + 10), compressedSize: u32(at + 20), size: u32(at + 24), localHeader: u32(at + 42))
            at += 46 + nameLength + extra + comment
        }
        return entries
    }
}
