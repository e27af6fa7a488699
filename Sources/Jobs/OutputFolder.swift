import Foundation

/// A folder a command writes its files into (`--out`): new, empty, or holding only the files
/// it writes (a second export to the same place), so that a model folder named by mistake is
/// refused rather than written into.
public enum OutputFolder {
    public static func check(_ dir: String, mayHold names: Set<String>, what: String) throws {
        guard let present = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            if FileManager.default.fileExists(atPath: dir) { throw JobError("\(dir): exists and is not a folder") }
            return
        }
        let others = present.filter { !names.contains($0) }.sorted()
        guard others.isEmpty else {
            throw JobError("\(dir): holds \(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? ", ..." : ""); --out must be a new or empty folder (or \(what) to replace)")
        }
    }
}
