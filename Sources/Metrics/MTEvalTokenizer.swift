import Foundation

/// The tokenisation of NIST's mteval-v13a.pl (its default, non-international one), which the
/// E2E challenge's BLEU and NIST use: SGML entities decoded, ASCII lower-cased, ASCII
/// punctuation split off except apostrophes and hyphens, periods and commas split unless
/// inside a number, a hyphen split after a digit.
public enum MTEvalTokenizer {
    // Built once; NSRegularExpression follows Perl's leftmost, non-overlapping /g matching.
    nonisolated(unsafe) static let rules: [(NSRegularExpression, String)] = [
        (try! NSRegularExpression(pattern: ##"([{|}~\[\\\]^_` !"#$%&()*+:;<=>?@/])"##), " $1 "),
        (try! NSRegularExpression(pattern: #"([^0-9])([.,])"#), "$1 $2 "),
        (try! NSRegularExpression(pattern: #"([.,])([^0-9])"#), " $1 $2"),
        (try! NSRegularExpression(pattern: #"([0-9])(-)"#), "$1 $2 "),
    ]

    /// The text as mteval reads it from its SGML file (whitespace runs collapsed), tokenised.
    /// With `lowercase` false this is sacreBLEU's default "13a" tokenisation.
    public static func tokenize(_ text: String, lowercase: Bool = true) -> [String] {
        var s = text.replacingOccurrences(of: "<skipped>", with: "")
        s = s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        // tr/[A-Z]/[a-z]/: ASCII only.
        if lowercase {
            s = String(String.UnicodeScalarView(s.unicodeScalars.map { u in
                (65...90).contains(u.value) ? Unicode.Scalar(u.value + 32)! : u
            }))
        }
        s = " " + s + " "
        for (re, template) in rules {
            s = re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
        }
        return s.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }
}
