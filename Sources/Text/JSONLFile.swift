import Foundation
import JSON

/// The JSON objects of a JSONL file with their 1-based line numbers; blank lines skipped, a
/// line that is not a JSON object an error naming the file and line.
public enum JSONLFile {
    public static func objects(path: String) throws -> [(line: Int, value: JSONValue)] {
        let data = try TextFile.bytes(path)
        var out: [(Int, JSONValue)] = []
        for (k, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            let bytes = line.last == 0x0D ? [UInt8](line.dropLast()) : [UInt8](line)
            do { value = try JSONParser.parse(bytes: bytes) } catch {
                throw DataFileError(path: path, line: k + 1, "not valid JSON (\(error))")
            }
            guard value.object != nil else { throw DataFileError(path: path, line: k + 1, "expected a JSON object") }
            out.append((k + 1, value))
        }
        return out
    }
}
