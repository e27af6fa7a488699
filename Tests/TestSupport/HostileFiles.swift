import Foundation

/// Hostile inputs made on the fly (nothing committed): files that look almost right.
public enum HostileFiles {
    /// Writes `text` to `dir/name` and returns the path.
    @discardableResult
    public static func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A safetensors file whose 8-byte header length is replaced by `length`, or shifted by `delta`.
    public static func safetensors(from path: String, to out: String, headerLength: UInt64? = nil, delta: Int64 = 0) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        var v = headerLength ?? UInt64(Int64(n) + delta)
        v = v.littleEndian
        withUnsafeBytes(of: &v) { data.replaceSubrange(0..<8, with: $0) }
        try data.write(to: URL(fileURLWithPath: out))
    }

    /// A model folder (fixture `model`) with config.json edited by `edit`.
    public static func editConfig(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = dir + "/config.json"
        var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&cfg)
        try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: path))
    }

    /// A model folder whose vocab.json gains a token with this id.
    public static func addVocabToken(_ dir: String, id: Int) throws {
        let path = dir + "/vocab.json"
        var vocab = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        vocab["ĠzzHostile"] = id
        try JSONSerialization.data(withJSONObject: vocab).write(to: URL(fileURLWithPath: path))
    }
}
