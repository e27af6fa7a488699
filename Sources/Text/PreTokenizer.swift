/// GPT-2's pre-tokenisation, the regular expression
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// written out as a scanner over Unicode scalars (the regex matches code points, not
/// grapheme clusters: a combining mark after a letter starts a new piece, as in Python).
public enum PreTokenizer {
    enum Kind: UInt8 { case letter, number, space, other }

    @inline(__always)
    static func kind(_ u: Unicode.Scalar) -> Kind {
        let v = u.value
        if v < 128 {
            if (v >= 65 && v <= 90) || (v >= 97 && v <= 122) { return .letter }
            if v >= 48 && v <= 57 { return .number }
            if v == 32 || (v >= 9 && v <= 13) { return .space }
            return .other
        }
        let p = u.properties
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return p.isWhitespace ? .space : .other
        }
    }

    /// Splits `text` into pieces; each is a range of indices into `scalars`.
    public static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let n = scalars.count
        var kinds = [Kind](repeating: .other, count: n)
        for i in 0..<n { kinds[i] = kind(scalars[i]) }
        var pieces: [Range<Int>] = []
        var i = 0
        while i < n {
            let start = i
            // Contractions: 's 't 're 've 'm 'll 'd (lower case only, as GPT-2's pattern).
            if scalars[i] == "'", i + 1 < n {
                let c1 = scalars[i + 1]
                if c1 == "s" || c1 == "t" || c1 == "m" || c1 == "d" { pieces.append(i..<i + 2); i += 2; continue }
                if i + 2 < n {
                    let c2 = scalars[i + 2]
                    if (c1 == "r" && c2 == "e") || (c1 == "v" && c2 == "e") || (c1 == "l" && c2 == "l") {
                        pieces.append(i..<i + 3); i += 3; continue
                    }
                }
            }
            // ` ?X+` for X in letters, numbers, other: an optional single U+0020 first.
            var j = i
            if scalars[j] == " ", j + 1 < n, kinds[j + 1] != .space { j += 1 }
            let k = kinds[j]
            if k != .space {
                j += 1
                while j < n, kinds[j] == k { j += 1 }
                pieces.append(start..<j)
                i = j
                continue
            }
            // Whitespace: `\s+(?!\S)` takes the run but leaves its last character when a
            // non-space follows; `\s+` takes a lone one.
            j = i
            while j < n, kinds[j] == .space { j += 1 }
            if j < n, j - i > 1 { j -= 1 }
            pieces.append(i..<j)
            i = j
        }
        return pieces
    }
}
