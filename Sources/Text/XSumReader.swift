import Foundation

/// XSUM as its releases lay it out, besides JSON lines of `{"document", "summary"[, "id"]}`
/// (JSONLReader; Hugging Face datasets' `to_json` writes those, in a `.json` file too):
/// a folder of `ID.document` and `ID.summary` files, side by side or in `document/` and
/// `summary/` subfolders (the preprocessed release). Each pair is one example with id ID.
public enum XSumReader {
    /// Whether `dir` holds XSUM pairs (a `.document` file here or in `document/`).
    public static func holdsPairs(_ dir: String) -> Bool {
        let fm = FileManager.default
        if ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).contains(where: { $0.hasSuffix(".document") }) { return true }
        return ((try? fm.contentsOfDirectory(atPath: dir + "/document")) ?? []).contains { $0.hasSuffix(".document") }
    }

    public static func read(folder dir: String) throws -> Dataset {
        let fm = FileManager.default
        let split = fm.fileExists(atPath: dir + "/document") && fm.fileExists(atPath: dir + "/summary")
        let docDir = split ? dir + "/document" : dir, sumDir = split ? dir + "/summary" : dir
        let names = try fm.contentsOfDirectory(atPath: docDir).filter { $0.hasSuffix(".document") }.sorted()
        guard !names.isEmpty else { throw DataFileError(path: dir, "holds no ID.document files") }
        let examples = try names.map { name -> DataExample in
            let id = String(name.dropLast(".document".count))
            let summaryPath = sumDir + "/" + id + ".summary"
            guard fm.fileExists(atPath: summaryPath) else { throw DataFileError(path: docDir + "/" + name, "has no \(id).summary beside it (in \(sumDir))") }
            let document = try TextFile.read(docDir + "/" + name).trimmingCharacters(in: .whitespacesAndNewlines)
            let summary = try TextFile.read(summaryPath).trimmingCharacters(in: .whitespacesAndNewlines)
            return DataExample(id: id, source: document, references: [summary], raw: document)
        }
        return Dataset(name: (dir as NSString).lastPathComponent, format: "xsum", examples: examples)
    }
}
