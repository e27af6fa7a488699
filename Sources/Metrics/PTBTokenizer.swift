/// The tokenisation the MS-COCO caption evaluation (and so the E2E challenge's ROUGE-L,
/// CIDEr and METEOR) applies: Stanford CoreNLP 3.4.1's PTBTokenizer with -lowerCase, then
/// pycocoevalcap's removal of punctuation tokens.
///
/// Stanford's lexer is a large JFlex grammar; this reproduces what it does to English
/// descriptive text such as E2E and WebNLG's, measured token for token against the jar
/// (see Tests/MetricsTests): words keep internal hyphens, apostrophes (hors d'oeuvre) and
/// decimal points or commas between digits; clitics split off (it 's, is n't, you 'll);
/// £ becomes "#" and € "$" (normalizeCurrency); a sign before digits after a symbol stays
/// on the number (# -25); a period followed by a comma stays on its word (center. ,);
/// other punctuation stands alone and, where pycocoevalcap lists it, is dropped.
public enum PTBTokenizer {
    static let removed: Set<String> = ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";",
                                       "(", ")", "{", "}", "\""]
    static let clitics: Set<String> = ["s", "ll", "re", "ve", "m", "d"]

    @inline(__always)
    static func isWordChar(_ u: Unicode.Scalar) -> Bool {
        if u.value < 128 {
            return (u.value >= 48 && u.value <= 57) || (u.value >= 97 && u.value <= 122) || (u.value >= 65 && u.value <= 90)
        }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark: return true
        default: return false
        }
    }

    @inline(__always)
    static func isDigit(_ u: Unicode.Scalar) -> Bool { u.value >= 48 && u.value <= 57 }

    /// Tokens before punctuation removal.
    public static func rawTokens(_ text: String) -> [String] {
        let s = Array(text.lowercased().unicodeScalars)
        var out: [String] = []
        var i = 0
        func emit(_ r: Range<Int>) { out.append(String(String.UnicodeScalarView(s[r]))) }
        while i < s.count {
            let u = s[i]
            if u.properties.isWhitespace { i += 1; continue }
            if u == "£" { out.append("#"); i += 1; continue }
            if u == "€" { out.append("$"); i += 1; continue }
            // A signed number right after a currency symbol or another non-word token.
            let signed = u == "-" && i + 1 < s.count && isDigit(s[i + 1]) && (i == 0 || !isWordChar(s[i - 1]) && !s[i - 1].properties.isWhitespace)
            if isWordChar(u) || signed {
                var j = i + 1
                while j < s.count {
                    if isWordChar(s[j]) { j += 1; continue }
                    // Connectors between word characters: hyphen; period or comma between digits;
                    // apostrophe between letters when what follows is not a clitic.
                    guard j + 1 < s.count, isWordChar(s[j + 1]) else { break }
                    let c = s[j]
                    if c == "-" { j += 1; continue }
                    if (c == "." || c == ","), isDigit(s[j - 1]), isDigit(s[j + 1]) { j += 1; continue }
                    if c == "'" {
                        var k = j + 1
                        while k < s.count, isWordChar(s[k]) { k += 1 }
                        let tail = String(String.UnicodeScalarView(s[(j + 1)..<k]))
                        if !clitics.contains(tail) && !(tail == "t" && s[j - 1] == "n") { j += 1; continue }
                    }
                    break
                }
                // Clitics: n't, and 's 'll 're 've 'm 'd after the word.
                var end = j
                if end - i > 3, s[end - 1] == "t", s[end - 2] == "'", s[end - 3] == "n" { end -= 3 }
                if j < s.count, s[j] == "'" {
                    var k = j + 1
                    while k < s.count, isWordChar(s[k]) { k += 1 }
                    let tail = String(String.UnicodeScalarView(s[(j + 1)..<k]))
                    if tail == "t", j > i, s[j - 1] == "n", j - 1 > i {
                        emit(i..<(j - 1)); out.append("n't"); i = k; continue
                    }
                    if clitics.contains(tail) { emit(i..<j); out.append("'" + tail); i = k; continue }
                }
                // "center.," keeps its period (the lexer takes it as an abbreviation).
                if j + 1 < s.count, s[j] == ".", s[j + 1] == "," { emit(i..<(j + 1)); i = j + 1; continue }
                emit(i..<end)
                i = j
                continue
            }
            if u == "." {
                var j = i
                while j < s.count, s[j] == "." { j += 1 }
                if j - i == 3 { out.append("...") } else { for _ in i..<j { out.append(".") } }
                i = j
                continue
            }
            if u == "-", i + 1 < s.count, s[i + 1] == "-" { out.append("--"); i += 2; continue }
            out.append(String(Character(u)))
            i += 1
        }
        return out
    }

    /// Tokens as the COCO scorers see them: punctuation dropped.
    public static func tokenize(_ text: String) -> [String] {
        rawTokens(text.replacingOccurrences(of: "\n", with: " ")).filter { !removed.contains($0) }
    }
}
