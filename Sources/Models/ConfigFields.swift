import JSON

/// A config.json's fields as every family reads them: a whole number of at least `minimum`, or
/// the default when the key is absent or null; errors name the file and the key.
public struct ConfigFields {
    public let root: JSONValue
    public let path: String
    public init(_ root: JSONValue, path: String) throws {
        guard root.object != nil else { throw ModelError(path: path, message: "expected a JSON object") }
        self.root = root; self.path = path
    }

    public func int(_ key: String, default value: Int? = nil, minimum: Int = 1) throws -> Int {
        guard let v = root[key], v != .null else {
            if let value { return value }
            throw ModelError(path: path, message: "missing \(key)")
        }
        guard let n = v.int, n >= minimum else {
            throw ModelError(path: path, message: "\(key) must be \(minimum == 1 ? "a positive" : "a non-negative") integer, got \(v.serialized.prefix(40))")
        }
        return n
    }
}
