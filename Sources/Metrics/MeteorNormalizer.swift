import Foundation

/// METEOR 1.5's English normaliser (`-norm`: Moses-style tokenisation, punctuation kept),
/// pattern for pattern in the jar's order, with Java's ASCII meanings of \s, \p{Digit} and
/// \p{Lower} written out (ICU would read them as Unicode classes). Lower-casing is the
/// scorer's, after this. Checked against the jar's own Normalizer class (MeteorTests).
public struct MeteorNormalizer: Sendable {
    public enum Nonbreaking: Sendable { case always, beforeNumber }
    /// From nonbreaking/english.prefixes: a word ending in "." whose stem is listed keeps its dot.
    public let prefixes: [String: Nonbreaking]

    public init(prefixes: [String: Nonbreaking]) { self.prefixes = prefixes }

    /// The prefix file's format: one prefix a line, `#` comments, `#NUMERIC_ONLY#` after a
    /// prefix that is nonbreaking only before a number.
    public init(prefixFile text: String) {
        var p: [String: Nonbreaking] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let tokens = MeteorText.tokens(String(line))
            guard let pre = tokens.first, !pre.hasPrefix("#") else { continue }
            p[pre] = tokens.count > 1 && tokens[1] == "#NUMERIC_ONLY#" ? .beforeNumber : .always
        }
        prefixes = p
    }

    static let alpha = "A-Za-z\\u0160\\u017D\\u0161\\u017E\\u0178\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u017E"
        + "\\u0400-\\u04FF\\u0500-\\u0527\\uA640-\\uA66E\\uA67E-\\uA697\\u1D00-\\u1D7F"
    static let alnum = "0-9" + alpha
    static let javaSpace = " \\t\\n\\u000B\\f\\r"

    /// (pattern, template) in the jar's order up to the English contractions.
    static let rules: [(NSRegularExpression, String)] = [
        ("([^\(alnum)\(javaSpace)\\.\\'\\`\\,\\-\\u2018\\u2019])", " $1 "),
        ("\\.([\\.]+)", " DOTMULTI$1"),
    ].map { (regex($0.0), $0.1) }
    static let multiDot2 = regex("DOTMULTI\\.([^\\.])")
    static let punctuation: [(NSRegularExpression, String)] = [
        ("([^0-9])[,]([^0-9])", "$1 , $2"), ("([0-9])[,]([^0-9])", "$1 , $2"), ("([^0-9])[,]([0-9])", "$1 , $2"),
        ("([`\\u2018\\u2019])", "'"), ("([\\u201C\\u201D]|'')", " \" "),
    ].map { (regex($0.0), $0.1) }
    static let dash = regex("([\(alnum)\\.])[\\-]([\(alnum)])")
    static let contractions: [(NSRegularExpression, String)] = [
        ("([^\(alpha)])[']([^\(alpha)])", "$1 ' $2"), ("([^\(alpha)0-9])[']([\(alpha)])", "$1 ' $2"),
        ("([\(alpha)])[']([^\(alpha)])", "$1 ' $2"), ("([\(alpha)])[']([\(alpha)])", "$1 '$2"), ("([0-9])[']([s])", "$1 '$2"),
    ].map { (regex($0.0), $0.1) }
    static let hasAlpha = regex("[\(alpha)]"), startsLower = regex("^[a-z]"), startsNumber = regex("^[0-9]+")
    static let punctStrip = regex("[^\(alnum)]")
    static let white = regex("[  \\u2000-\\u200A\\u202F\\u205F\\u3000\\u00A0]+")

    static func regex(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p) }
    static func replace(_ s: String, _ r: NSRegularExpression, _ template: String) -> String {
        r.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
    }
    static func found(_ r: NSRegularExpression, _ s: String) -> Bool {
        r.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    public func normalize(_ line: String, keepPunctuation: Bool = true) -> String {
        var s = " " + line + " "
        // Each pattern needs a character most tokenised lines lack; testing for it first skips
        // most regex passes without changing a result.
        s = Self.replace(s, Self.rules[0].0, Self.rules[0].1)
        if s.contains("..") { s = Self.replace(s, Self.rules[1].0, Self.rules[1].1) }
        while s.contains("DOTMULTI.") {
            s = Self.replace(s, Self.multiDot2, "DOTDOTMULTI $1")
            s = s.replacingOccurrences(of: "DOTMULTI.", with: "DOTDOTMULTI")
        }
        if s.contains(",") { for (r, t) in Self.punctuation[0..<3] { s = Self.replace(s, r, t) } }
        if s.unicodeScalars.contains(where: { "`\u{2018}\u{2019}\u{201C}\u{201D}'".unicodeScalars.contains($0) }) {
            for (r, t) in Self.punctuation[3...] { s = Self.replace(s, r, t) }
        }
        s = s.replacingOccurrences(of: "\u{2013}", with: "-").replacingOccurrences(of: "--", with: "-")
        if s.contains("-") { s = Self.replace(s, Self.dash, "$1 $2") }
        if s.contains("'") { for (r, t) in Self.contractions { s = Self.replace(s, r, t) } }
        let words = MeteorText.tokens(s)
        var out = ""
        for (i, word) in words.enumerated() {
            if word.utf16.count > 1 && word.hasSuffix(".") {
                let pre = String(word.dropLast())
                let kind = prefixes[pre]
                let next = i < words.count - 1 ? words[i + 1] : nil
                if pre.contains(".") && Self.found(Self.hasAlpha, pre) {
                    out += word.replacingOccurrences(of: ".", with: "")
                } else if kind == .always || (next.map { Self.found(Self.startsLower, $0) } ?? false) {
                    out += word
                } else if kind == .beforeNumber, let next, Self.found(Self.startsNumber, next) {
                    out += word
                } else {
                    out += pre + " ."
                }
            } else {
                out += word
            }
            out += " "
        }
        s = out
        while s.contains("DOTDOTMULTI") { s = s.replacingOccurrences(of: "DOTDOTMULTI", with: "DOTMULTI.") }
        s = s.replacingOccurrences(of: "DOTMULTI", with: ".")
        if !keepPunctuation { s = Self.replace(s, Self.punctStrip, " ") }
        return MeteorText.trim(Self.replace(s, Self.white, " "))
    }
}

/// Java's string splitting and trimming as METEOR relies on them.
enum MeteorText {
    /// java.util.StringTokenizer's default delimiters: space, \t, \n, \r, \f.
    static func tokens(_ s: String) -> [String] {
        s.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" })
            .map { String(String.UnicodeScalarView($0)) }
    }

    /// String.trim(): every character up to U+0020 off both ends.
    static func trim(_ s: String) -> String {
        let u = s.unicodeScalars
        guard let first = u.firstIndex(where: { $0.value > 0x20 }), let last = u.lastIndex(where: { $0.value > 0x20 }) else { return "" }
        return String(String.UnicodeScalarView(u[first...last]))
    }

    /// String.hashCode(): METEOR keys words by it (two words with one hash match as one).
    static func javaHash(_ s: String) -> Int32 {
        var h: Int32 = 0
        for c in s.utf16 { h = h &* 31 &+ Int32(c) }
        return h
    }
}
