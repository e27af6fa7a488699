/// Porter's suffix-stripping algorithm (1980) with the extensions NLTK applies by default
/// (its NLTK_EXTENSIONS mode, which Google's rouge-score uses): a table of irregular forms;
/// words of two letters or fewer untouched; -ies/-ied on 4-letter words to -ie; y → i only
/// after a consonant that is not the first letter; -alli recursion, -bli → -ble, -fulli,
/// -logi; a two-letter vowel-consonant stem counts as cvc.
public enum PorterStemmer {
    static let irregular: [String: String] = [
        "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
        "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing",
        "cannings": "canning", "canning": "canning", "howe": "howe", "proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
    ]

    public static func stem(_ word: String) -> String {
        let w = word.lowercased()
        if let s = irregular[w] { return s }
        if w.count <= 2 { return w }
        var s = Array(w)
        s = step1a(s); s = step1b(s); s = step1c(s); s = step2(s); s = step3(s); s = step4(s); s = step5a(s); s = step5b(s)
        return String(s)
    }

    // MARK: the measure of a stem and its letter classes

    static func isConsonant(_ w: [Character], _ i: Int) -> Bool {
        let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
        if vowels.contains(w[i]) { return false }
        if w[i] == "y" {
            var j = i, negate = false
            while j > 0 && w[j] == "y" { negate.toggle(); j -= 1 }
            return !vowels.contains(w[j]) != negate
        }
        return true
    }

    /// m in [C](VC)^m[V].
    static func measure(_ w: [Character]) -> Int {
        var m = 0, prevVowel = false
        for i in w.indices {
            let c = isConsonant(w, i)
            if c && prevVowel { m += 1 }
            prevVowel = !c
        }
        return m
    }

    static func containsVowel(_ w: [Character]) -> Bool { w.indices.contains { !isConsonant(w, $0) } }

    static func endsDoubleConsonant(_ w: [Character]) -> Bool {
        w.count >= 2 && w[w.count - 1] == w[w.count - 2] && isConsonant(w, w.count - 1)
    }

    static func endsCVC(_ w: [Character]) -> Bool {
        let n = w.count
        if n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) && !["w", "x", "y"].contains(w[n - 1]) { return true }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)
    }

    static func ends(_ w: [Character], _ suffix: String) -> Bool { w.count >= suffix.count && String(w.suffix(suffix.count)) == suffix }

    typealias Rule = (suffix: String, replacement: String, condition: (([Character]) -> Bool)?)

    /// The first rule whose suffix matches decides: applied if its condition holds, else the
    /// word is returned unchanged.
    static func apply(_ w: [Character], _ rules: [Rule]) -> [Character] {
        for r in rules {
            if r.suffix == "*d" {
                guard endsDoubleConsonant(w) else { continue }
                let stem = Array(w.dropLast(2))
                return r.condition.map { $0(stem) } ?? true ? stem + Array(r.replacement) : w
            }
            if ends(w, r.suffix) {
                let stem = Array(w.dropLast(r.suffix.count))
                return r.condition.map { $0(stem) } ?? true ? stem + Array(r.replacement) : w
            }
        }
        return w
    }

    static func positive(_ w: [Character]) -> Bool { measure(w) > 0 }
    static func aboveOne(_ w: [Character]) -> Bool { measure(w) > 1 }

    // MARK: the steps

    static func step1a(_ w: [Character]) -> [Character] {
        if ends(w, "ies") && w.count == 4 { return Array(w.dropLast(3)) + ["i", "e"] }
        return apply(w, [("sses", "ss", nil), ("ies", "i", nil), ("ss", "ss", nil), ("s", "", nil)])
    }

    static func step1b(_ w: [Character]) -> [Character] {
        if ends(w, "ied") { return Array(w.dropLast(3)) + (w.count == 4 ? ["i", "e"] : ["i"]) }
        if ends(w, "eed") {
            let stem = Array(w.dropLast(3))
            return measure(stem) > 0 ? stem + ["e", "e"] : w
        }
        var inter: [Character]? = nil
        for suffix in ["ed", "ing"] where ends(w, suffix) {
            let s = Array(w.dropLast(suffix.count))
            if containsVowel(s) { inter = s; break }
        }
        guard let s = inter else { return w }
        let last = s.last!
        return apply(s, [("at", "ate", nil), ("bl", "ble", nil), ("iz", "ize", nil),
                         ("*d", String(last), { _ in !["l", "s", "z"].contains(last) }),
                         ("", "e", { measure($0) == 1 && endsCVC($0) })])
    }

    static func step1c(_ w: [Character]) -> [Character] {
        apply(w, [("y", "i", { $0.count > 1 && isConsonant($0, $0.count - 1) })])
    }

    static func step2(_ w: [Character]) -> [Character] {
        if ends(w, "alli") && positive(Array(w.dropLast(4))) { return step2(Array(w.dropLast(4)) + ["a", "l"]) }
        let word = w
        return apply(w, [
            ("ational", "ate", positive), ("tional", "tion", positive), ("enci", "ence", positive), ("anci", "ance", positive),
            ("izer", "ize", positive), ("bli", "ble", positive), ("alli", "al", positive), ("entli", "ent", positive),
            ("eli", "e", positive), ("ousli", "ous", positive), ("ization", "ize", positive), ("ation", "ate", positive),
            ("ator", "ate", positive), ("alism", "al", positive), ("iveness", "ive", positive), ("fulness", "ful", positive),
            ("ousness", "ous", positive), ("aliti", "al", positive), ("iviti", "ive", positive), ("biliti", "ble", positive),
            ("fulli", "ful", positive), ("logi", "log", { _ in positive(Array(word.dropLast(3))) }),
        ])
    }

    static func step3(_ w: [Character]) -> [Character] {
        apply(w, [("icate", "ic", positive), ("ative", "", positive), ("alize", "al", positive), ("iciti", "ic", positive),
                  ("ical", "ic", positive), ("ful", "", positive), ("ness", "", positive)])
    }

    static func step4(_ w: [Character]) -> [Character] {
        apply(w, [("al", "", aboveOne), ("ance", "", aboveOne), ("ence", "", aboveOne), ("er", "", aboveOne), ("ic", "", aboveOne),
                  ("able", "", aboveOne), ("ible", "", aboveOne), ("ant", "", aboveOne), ("ement", "", aboveOne),
                  ("ment", "", aboveOne), ("ent", "", aboveOne),
                  ("ion", "", { measure($0) > 1 && ($0.last == "s" || $0.last == "t") }),
                  ("ou", "", aboveOne), ("ism", "", aboveOne), ("ate", "", aboveOne), ("iti", "", aboveOne), ("ous", "", aboveOne),
                  ("ive", "", aboveOne), ("ize", "", aboveOne)])
    }

    static func step5a(_ w: [Character]) -> [Character] {
        guard w.last == "e" else { return w }
        let stem = Array(w.dropLast())
        let m = measure(stem)
        if m > 1 || (m == 1 && !endsCVC(stem)) { return stem }
        return w
    }

    static func step5b(_ w: [Character]) -> [Character] {
        let word = w
        return apply(w, [("ll", "l", { _ in measure(Array(word.dropLast())) > 1 })])
    }
}
