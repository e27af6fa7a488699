import Foundation
import JSON

/// JSONL datasets: `{"source", "target"}` or XSUM-style `{"document", "summary"}` per line;
/// consecutive lines with the same source form one example with several references.
public enum JSONLReader {
    public static func read(path: String) throws -> Dataset {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataFileError(path: path, "cannot read the file") }
        var examples: [DataExample] = []
        var lineNo = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let v: JSONValue
            do { v = try JSONParser.parse(bytes: [UInt8](line)) } catch {
                throw DataFileError(path: path, line: lineNo, "not valid JSON (\(error))")
            }
            guard let source = v["source"]?.string ?? v["document"]?.string else {
                throw DataFileError(path: path, line: lineNo, "missing string field \"source\" (or \"document\")")
            }
            let target = v["target"]?.string ?? v["summary"]?.string
            if let last = examples.last, last.source == source {
                if let target { examples[examples.count - 1].references.append(target) }
                continue
            }
            examples.append(DataExample(id: "\(lineNo)", source: source, references: target.map { [$0] } ?? [], raw: source,
                                        category: v["category"]?.string))
        }
        guard !examples.isEmpty else { throw DataFileError(path: path, "contains no examples") }
        return Dataset(name: (path as NSString).lastPathComponent, format: "jsonl", examples: examples)
    }
}
