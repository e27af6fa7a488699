/// The method of a run and its options, as run.json stores them:
/// `{"name": "prefix", "prefix_length": 10, "reparam": "mlp", "mid_dim": 512, ...}` — the
/// method's name beside its own option keys (its `MethodDescriptor` lists them).
public struct MethodSpec: Sendable, Equatable, Codable {
    public var name: String
    public var options: [String: OptionValue]

    public init(name: String, options: [String: OptionValue] = [:]) { self.name = name; self.options = options }

    public subscript(key: String) -> OptionValue? {
        get { options[key] }
        set { options[key] = newValue }
    }

    /// Every option of the descriptor present (defaults filled in) and checked against its
    /// range; a key the method does not have is refused, naming it and the method's keys.
    public func resolved(by d: MethodDescriptor, context: String) throws -> MethodSpec {
        precondition(d.name == name)
        for k in options.keys.sorted() where d.option(k) == nil {
            throw SpecError("\(context).\(k): method \(name) has no option \(k) (its options: \(d.options.map(\.key).joined(separator: ", ")))")
        }
        var out = MethodSpec(name: name)
        for o in d.options {
            if let v = options[o.key] { out.options[o.key] = try o.check(v, context: "\(context).\(o.key)") }
            else if let v = o.defaultValue { out.options[o.key] = v }
        }
        return out
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        name = try c.decode(String.self, forKey: Key("name"))
        var opts: [String: OptionValue] = [:]
        for k in c.allKeys where k.stringValue != "name" {
            if try c.decodeNil(forKey: k) { continue }
            opts[k.stringValue] = try c.decode(OptionValue.self, forKey: k)
        }
        options = opts
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: Key("name"))
        for (k, v) in options { try c.encode(v, forKey: Key(k)) }
    }
}
