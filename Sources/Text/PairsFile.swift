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

/// JSONL of `{"source": ..., "target": ...}` objects, one per line, or XSUM's
/// `{"document": ..., "summary": ...}` (other keys ignored, blank lines skipped).
public enum PairsFile {
    public static func read(path: String) throws -> [SourceTargetPair] {
        let pairs = try JSONLFile.objects(path: path).map { lineNo, value -> SourceTargetPair in
            guard let source = (value["source"] ?? value["document"])?.string else {
                throw DataFileError(path: path, line: lineNo, "missing string field \"source\" (or \"document\")")
            }
            guard let target = (value["target"] ?? value["summary"])?.string else {
                throw DataFileError(path: path, line: lineNo, "missing string field \"target\" (or \"summary\")")
            }
            return SourceTargetPair(source: source, target: target)
        }
        if pairs.isEmpty { throw DataFileError(path: path, "contains no pairs") }
        return pairs
    }
}
