import Foundation
import JSON
import Support

/// Resolves a dataset spec — a file or folder, optionally `:split` — to a dataset, telling
/// the format from the extension and, failing that, the first character of the content.
///
/// - `.csv`: E2E; `.xml` or a folder of them: WebNLG 2017; `.json`: DART (or, starting with
///   `{`, JSON lines as Hugging Face datasets write them); `.jsonl`: pairs (or XSUM's
///   document/summary); a folder of `ID.document` + `ID.summary`: XSUM.
/// - A folder with split subfolders (WebNLG's `train/`, `dev/`, `test/`) or split files
///   (E2E's `trainset.csv`, `devset.csv`, `testset_w_refs.csv`; `train.jsonl`, `valid.jsonl`,
///   `test.jsonl`) needs `:split` (`train`, `dev`/`valid`, `test`).
public enum DatasetSpec {
    static let splitFiles: [String: [String]] = [
        "train": ["train", "trainset.csv", "train.jsonl", "train.json"],
        "dev": ["dev", "valid", "devset.csv", "dev.jsonl", "valid.jsonl", "dev.json"],
        "valid": ["valid", "dev", "valid.jsonl", "devset.csv", "dev.jsonl", "dev.json"],
        "test": ["test", "testset_w_refs.csv", "testset.csv", "test.jsonl", "test.json"],
    ]

    /// Whether a dataset spec holds summaries — XSUM's ID.document/ID.summary folder, or JSON
    /// lines of {"document", "summary"} — which the Compare screen scores with ROUGE-1/2/L as
    /// the paper's XSUM table does. Reads one line, never the whole file.
    public static func holdsSummaries(_ spec: String) -> Bool {
        let fm = FileManager.default
        var path = spec, split: String? = nil
        if !fm.fileExists(atPath: spec), let colon = spec.lastIndex(of: ":") { path = String(spec[..<colon]); split = String(spec[spec.index(after: colon)...]) }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return false }
        if isDir.boolValue {
            let names = Set((try? fm.contentsOfDirectory(atPath: path)) ?? [])
            if let split, let name = splitFiles[split]?.first(where: names.contains) { return holdsSummaries(path + "/" + name) }
            return XSumReader.holdsPairs(path)
        }
        guard ["json", "jsonl"].contains((path as NSString).pathExtension.lowercased()), let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = h.readData(ofLength: 65_536)
        let line = head.prefix { $0 != 0x0A }
        return (try? JSONParser.parse(bytes: [UInt8](line)))?["document"]?.string != nil
    }

    public static func load(_ spec: String) throws -> Dataset {
        let fm = FileManager.default
        var path = spec, split: String? = nil
        if !fm.fileExists(atPath: spec), let colon = spec.lastIndex(of: ":") {
            path = String(spec[..<colon])
            split = String(spec[spec.index(after: colon)...])
        }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw DataFileError(path: path, "no such file or folder") }
        if isDir.boolValue {
            let names = Set((try? fm.contentsOfDirectory(atPath: path)) ?? [])
            if let split {
                guard let candidates = splitFiles[split] else {
                    throw DataFileError(path: path, "unknown split '\(split)' (train, dev, valid or test)")
                }
                guard let name = candidates.first(where: names.contains) else {
                    throw DataFileError(path: path, "no '\(split)' split here (looked for \(candidates.joined(separator: ", ")))")
                }
                var d = try load(path + "/" + name)
                d.name = (path as NSString).lastPathComponent + ":" + split
                return d
            }
            if XSumReader.holdsPairs(path) { return try XSumReader.read(folder: path) }
            let splits = splitFiles.keys.filter { s in splitFiles[s]!.contains(where: names.contains) }.sorted()
            let hasXML = names.contains { $0.hasSuffix(".xml") }
            if !splits.isEmpty && !hasXML {
                throw DataFileError(path: path, "holds several splits (\(splits.joined(separator: ", "))); name one as \(path):SPLIT")
            }
            return try WebNLGReader.read(folderOrFile: path)
        }
        if split != nil { throw DataFileError(path: path, "is a file; ':\(split!)' applies to folders") }
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return try E2EReader.read(path: path)
        case "xml": return try WebNLGReader.read(folderOrFile: path)
        case "jsonl": return try JSONLReader.read(path: path)
        case "json":
            // DART is one JSON array; Hugging Face datasets write JSON lines into .json files (XSUM's).
            let head = (FileRead.contents(path)?.prefix(256)).map { [UInt8]($0) } ?? []
            return head.first(where: { $0 > 0x20 }) == UInt8(ascii: "{") ? try JSONLReader.read(path: path) : try DARTReader.read(path: path)
        default:
            let head = (FileRead.contents(path)?.prefix(256)).map { [UInt8]($0) } ?? []
            switch head.first(where: { $0 > 0x20 }) {
            case UInt8(ascii: "<"): return try WebNLGReader.read(folderOrFile: path)
            case UInt8(ascii: "["): return try DARTReader.read(path: path)
            case UInt8(ascii: "{"): return try JSONLReader.read(path: path)
            default: return try E2EReader.read(path: path)
            }
        }
    }
}
