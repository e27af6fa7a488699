import Foundation
import JSON

/// DART (Nan et al. 2021) JSON: a list of `{"tripleset": [[s, p, o], ...],
/// "subtree_was_extended": bool, "annotations": [{"source": ..., "text": ...}]}`; triples
/// linearised as WebNLG's (`s : p : o` joined by ` | `, underscores to spaces).
public enum DARTReader {
    public static func read(path: String) throws -> Dataset {
        let data = try TextFile.bytes(path)
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw DataFileError(path: path, "not valid JSON (\(error))") }
        guard let items = root.array else { throw DataFileError(path: path, "expected a JSON list of DART records") }
        var examples: [DataExample] = []
        for (n, item) in items.enumerated() {
            guard let triples = item["tripleset"]?.array, !triples.isEmpty else {
                throw DataFileError(path: path, "record \(n + 1): missing or empty tripleset")
            }
            var parts: [String] = []
            for t in triples {
                guard let f = t.array?.compactMap(\.string), f.count == 3 else {
                    throw DataFileError(path: path, "record \(n + 1): a triple is not three strings")
                }
                parts.append(f.joined(separator: " | "))
            }
            let refs = (item["annotations"]?.array ?? []).compactMap { $0["text"]?.string }
            let category = item["annotations"]?.array?.first?["source"]?.string
            examples.append(DataExample(id: "\(n + 1)", source: parts.map(WebNLGReader.lineariseTriple).joined(separator: " | "),
                                        references: refs, raw: parts.joined(separator: "\n"), category: category))
        }
        guard !examples.isEmpty else { throw DataFileError(path: path, "contains no records") }
        return Dataset(name: (path as NSString).lastPathComponent, format: "dart-json", examples: DataExample.grouped(examples))
    }
}
