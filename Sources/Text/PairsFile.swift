import Foundation
import JSON

/// One (source, target) pair of a JSONL file.
public struct SourceTargetPair: Sendable, Equatable {
    public var source: String
    public var target: String
    public init(source: String, target: String) { self.source = source; self.target = target }
}

/// A problem in a data file; the message names the file and, where there is one, the line.
public struct DataFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(path: String, line: Int? = nil, _ message: String) {
        description = line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}

/// JSONL of `{"source": ..., "target": ...}` objects, one per line (other keys ignored,
/// blank lines skipped).
public enum PairsFile {
    public static func read(path: String) throws -> [SourceTargetPair] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw DataFileError(path: path, "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataFileError(path: path, "cannot read the file") }
        var pairs: [SourceTargetPair] = []
        var lineNo = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            do { value = try JSONParser.parse(bytes: [UInt8](line)) } catch {
                throw DataFileError(path: path, line: lineNo, "not valid JSON (\(error))")
            }
            guard value.object != nil else { throw DataFileError(path: path, line: lineNo, "expected a JSON object") }
            guard let source = value["source"]?.string else {
                throw DataFileError(path: path, line: lineNo, "missing string field \"source\"")
            }
            guard let target = value["target"]?.string else {
                throw DataFileError(path: path, line: lineNo, "missing string field \"target\"")
            }
            pairs.append(SourceTargetPair(source: source, target: target))
        }
        if pairs.isEmpty { throw DataFileError(path: path, "contains no pairs") }
        return pairs
    }
}
