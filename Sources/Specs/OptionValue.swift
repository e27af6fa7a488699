/// One option's value as run.json, experiment files, flags and the launch form carry it.
/// JSON numbers come in as `.int` when they are whole and as `.number` otherwise; an option's
/// descriptor says which it wants and converts (`OptionDescriptor.check`).
public enum OptionValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case int(Int)
    case number(Double)
    case text(String)
    case flag(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .flag(b); return }
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .text(s); return }
        throw DecodingError.typeMismatch(OptionValue.self, .init(codingPath: decoder.codingPath,
                                                                  debugDescription: "expected a number, a string or true/false"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .text(let s): try c.encode(s)
        case .flag(let b): try c.encode(b)
        }
    }

    /// As a flag's argument or a form field shows it (a number in its shortest exact form).
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .text(let s): return s
        case .flag(let b): return b ? "true" : "false"
        }
    }

    public var int: Int? { if case .int(let i) = self { return i }; return nil }
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }
    public var text: String? { if case .text(let s) = self { return s }; return nil }
    public var flag: Bool? { if case .flag(let b) = self { return b }; return nil }
}
