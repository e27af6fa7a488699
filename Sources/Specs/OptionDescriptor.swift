import Foundation
import Support

/// One option of a run: its key (as run.json and experiment files spell it; the flag is the
/// key with `-` for `_`), its type and allowed range, its default and a help line. The same
/// table checks flags, experiment files, run.json and the launch form, and writes `--help`
/// and docs/RUNS.md, so a range is stated once.
public struct OptionDescriptor: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A whole number in min...max.
        case int(min: Int, max: Int)
        /// A number between min and max; `openMin` excludes min itself (a learning rate above 0).
        case number(min: Double, max: Double, openMin: Bool, openMax: Bool)
        case choice([String])
        /// Free text (a path, `words:TEXT`, `top:N`); the method reading it checks its form.
        case text
        case flag
    }

    public let key: String
    public let kind: Kind
    /// nil: unset unless given (e.g. `max_steps`).
    public let defaultValue: OptionValue?
    public let help: String

    public init(_ key: String, _ kind: Kind, default value: OptionValue?, help: String) {
        self.key = key; self.kind = kind; self.defaultValue = value; self.help = help
    }

    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// The allowed values in words, as errors and `--help` state them.
    public var rangeText: String {
        switch kind {
        case .int(let lo, let hi): return "a whole number from \(lo) to \(hi)"
        case .number(let lo, let hi, let openMin, let openMax):
            let a = OptionValue.number(lo), b = OptionValue.number(hi)
            if !openMin && !openMax { return "a number from \(a) to \(b)" }
            return "a number \(openMin ? "above" : "at least") \(a) and \(openMax ? "below" : "at most") \(b)"
        case .choice(let cs): return "one of " + cs.joined(separator: ", ")
        case .text: return "text"
        case .flag: return "true or false"
        }
    }

    /// A line for `--help` and the docs: help, range, default.
    public var helpLine: String {
        var s = help
        if case .text = kind {} else { s += " (\(rangeText)" + (defaultValue.map { "; default \($0)" } ?? "") + ")" }
        if case .text = kind, let d = defaultValue { s += " (default \(d))" }
        return s
    }

    /// Reads a flag's argument or a form field. `context` names where it came from
    /// (`--batch-size`, `x.json: runs[2] (p10).batch_size`).
    public func parse(_ raw: String, context: String) throws -> OptionValue {
        let t = raw.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .int:
            guard let i = Int(t) else { throw SpecError("\(context) \(Escaped(raw)): expected \(rangeText)") }
            return try check(.int(i), context: context)
        case .number:
            guard let d = Double(t) else { throw SpecError("\(context) \(Escaped(raw)): expected \(rangeText)") }
            return try check(.number(d), context: context)
        case .flag:
            switch t.lowercased() {
            case "", "true", "yes", "1": return .flag(true)
            case "false", "no", "0": return .flag(false)
            default: throw SpecError("\(context) \(Escaped(raw)): expected true or false")
            }
        case .choice, .text: return try check(.text(raw), context: context)
        }
    }

    /// Checks a value read from JSON (or parsed) against the kind and range; whole numbers
    /// given for a number option become numbers. Out of range, the message says which bound
    /// and the whole range: `--batch-size must be at most 4096 (a whole number from 1 to 4096), got 100000`.
    public func check(_ v: OptionValue, context: String) throws -> OptionValue {
        let got = Escaped(v.description)
        switch kind {
        case .int(let lo, let hi):
            guard let i = v.int else { throw SpecError("\(context) \(got): expected \(rangeText)") }
            if i < lo { throw SpecError("\(context) must be at least \(lo) (\(rangeText)), got \(i)") }
            if i > hi { throw SpecError("\(context) must be at most \(hi) (\(rangeText)), got \(i)") }
            return .int(i)
        case .number(let lo, let hi, let openMin, let openMax):
            guard let d = v.number, d.isFinite else { throw SpecError("\(context) \(got): expected \(rangeText)") }
            if openMin ? d <= lo : d < lo {
                let bound = openMin && lo == 0 ? "positive" : (openMin ? "above " : "at least ") + OptionValue.number(lo).description
                throw SpecError("\(context) must be \(bound) (\(rangeText)), got \(got)")
            }
            if openMax ? d >= hi : d > hi {
                throw SpecError("\(context) must be \(openMax ? "below" : "at most") \(OptionValue.number(hi)) (\(rangeText)), got \(got)")
            }
            return .number(d)
        case .choice(let cs):
            guard let s = v.text, cs.contains(s) else { throw SpecError("\(context) \(got): expected \(rangeText)") }
            return v
        case .text:
            guard let s = v.text, !s.isEmpty, s.count <= 4096 else { throw SpecError("\(context): expected non-empty text of at most 4096 characters") }
            return v
        case .flag:
            guard v.flag != nil else { throw SpecError("\(context) \(got): expected true or false") }
            return v
        }
    }
}

/// A spec that cannot be used: one line naming the flag, key or file and what was expected.
public struct SpecError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
