import Foundation
import Support

/// Reading text files the same way everywhere: UTF-8, a regular file of bounded size (a FIFO
/// or a device would hang or never end), and lines split on LF with a trailing CR removed, so
/// CRLF files read like LF files. (Swift treats "\r\n" as one Character: splitting a String on
/// "\n" never splits a CRLF line, so lines are cut on the bytes.)
public enum TextFile {
    public static let defaultLimit = 2 << 30

    public static func read(_ path: String, maxBytes: Int = defaultLimit) throws -> String {
        let data = try bytes(path, maxBytes: maxBytes)
        guard let text = String(data: data, encoding: .utf8) else { throw DataFileError(path: path, "not UTF-8 text") }
        return text
    }

    /// The file's bytes, after checking it is a regular file of at most `maxBytes`.
    public static func bytes(_ path: String, maxBytes: Int = defaultLimit) throws -> Data {
        switch FileRead.kind(path) {
        case nil: throw DataFileError(path: path, "no such file")
        case .regular(let size)?: if size > maxBytes { throw DataFileError(path: path, "\(size) bytes; at most \(maxBytes) are read") }
        case .directory?: throw DataFileError(path: path, "is a folder, not a file")
        case .other?: throw DataFileError(path: path, "not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataFileError(path: path, "cannot read the file") }
        return data
    }

    /// About where the first byte that is not valid UTF-8 is (within the sequence it breaks).
    public static func firstInvalidUTF8(_ data: Data) -> Int {
        var it = CountingIterator(base: data.makeIterator())
        var codec = UTF8()
        var good = 0
        while true {
            switch codec.decode(&it) {
            case .scalarValue: good = it.count
            case .emptyInput: return data.count
            case .error: return good
            }
        }
    }

    struct CountingIterator: IteratorProtocol {
        var base: Data.Iterator
        var count = 0
        mutating func next() -> UInt8? {
            let b = base.next()
            if b != nil { count += 1 }
            return b
        }
    }

    /// Every line (empty ones included, so indices are line numbers − 1), without its LF or CRLF;
    /// a final line ending adds no empty line.
    public static func lines(_ text: String) -> [String] {
        var out: [String] = []
        var utf8 = Array(text.utf8)
        if utf8.last == 0x0A { utf8.removeLast() }
        if utf8.isEmpty { return [] }
        for piece in utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = piece.last == 0x0D ? piece.dropLast() : piece
            out.append(String(decoding: line, as: UTF8.self))
        }
        return out
    }
}
