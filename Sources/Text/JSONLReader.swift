import Foundation
import JSON

/// JSONL datasets: `{"source", "target"}` or XSUM-style `{"document", "summary"}` per line;
/// lines with the same source, anywhere in the file, form one example with several references.
public enum JSONLReader {
    public static func read(path: String) throws -> Dataset {
        var examples: [DataExample] = []
        for (lineNo, v) in try JSONLFile.objects(path: path) {
            guard let source = v["source"]?.string ?? v["document"]?.string else {
                throw DataFileError(path: path, line: lineNo, "missing string field \"source\" (or \"document\")")
            }
            let target = v["target"]?.string ?? v["summary"]?.string
            // Hugging Face's XSUM rows carry their BBC article id.
            let id = v["id"]?.string ?? "\(lineNo)"
            examples.append(DataExample(id: id, source: source, references: target.map { [$0] } ?? [], raw: source,
                                        category: v["category"]?.string))
        }
        guard !examples.isEmpty else { throw DataFileError(path: path, "contains no examples") }
        return Dataset(name: (path as NSString).lastPathComponent, format: "jsonl", examples: DataExample.grouped(examples))
    }
}
