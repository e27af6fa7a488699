/// The Snowball English ("Porter2") stemmer as METEOR 1.5's jar runs it (Snowball's Java
/// englishStemmer of 2015: the three region prefixes gener-, commun-, arsen-). Words are
/// lower-cased already; it works on UTF-16 units as the Java does, so a non-ASCII letter is
/// a consonant. Checked against the jar's own `Stemmer en` on every word of the E2E texts
/// and a spread of WordNet's (MeteorTests).
public enum SnowballEnglishStemmer {
    static let invariantOrIrregular: [String: String] = [
        "skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "idly": "idl",
        "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli", "singly": "singl",
        "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos", "bias": "bias", "andes": "andes",
    ]
    static let keptAfterStep1a: Set<String> = ["inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"]

    typealias Word = [UInt16]
    static func u(_ s: String) -> Word { Array(s.utf16) }
    static let y = UInt16(UInt8(ascii: "y")), bigY = UInt16(UInt8(ascii: "Y")), quote = UInt16(UInt8(ascii: "'"))
    static let vowels = Set(u("aeiouy")), doubles = Set(["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"].map(u))
    static let validLI = Set(u("cdeghkmnrt"))
    static func isVowel(_ c: UInt16) -> Bool { vowels.contains(c) }

    static let step2: [(Word, Word?)] = [
        ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("abli", "able"), ("entli", "ent"), ("izer", "ize"),
        ("ization", "ize"), ("ational", "ate"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("aliti", "al"),
        ("alli", "al"), ("fulness", "ful"), ("ousli", "ous"), ("ousness", "ous"), ("iveness", "ive"), ("iviti", "ive"),
        ("biliti", "ble"), ("bli", "ble"), ("ogi", "og"), ("fulli", "ful"), ("lessli", "less"), ("li", ""),
    ].map { (u($0.0), u($0.1)) }
    static let step3: [(Word, Word?)] = [
        ("tional", "tion"), ("ational", "ate"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"), ("ical", "ic"),
        ("ful", ""), ("ness", ""), ("ative", ""),
    ].map { (u($0.0), u($0.1)) }
    static let step4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate",
                        "iti", "ous", "ive", "ize", "ion"].map(u)

    public static func stem(_ word: String) -> String {
        if let e = invariantOrIrregular[word] { return e }
        var w = u(word)
        if w.count < 3 { return word }
        if w.first == quote { w.removeFirst() }
        var yFound = false
        if w.first == y { w[0] = bigY; yFound = true }
        var i = 0
        while i + 1 < w.count {
            if isVowel(w[i]) && w[i + 1] == y { w[i + 1] = bigY; yFound = true }
            i += 1
        }
        let (p1, p2) = regions(w)
        step1a(&w)
        if !keptAfterStep1a.contains(String(decoding: w, as: UTF16.self)) {
            step1b(&w, p1: p1)
            step1c(&w)
            replaceLongest(&w, step2, from: p1) { w, start, suffix in
                if suffix == u("ogi") { return start > 0 && w[start - 1] == UInt16(UInt8(ascii: "l")) }
                if suffix == u("li") { return start > 0 && validLI.contains(w[start - 1]) }
                return true
            }
            replaceLongest(&w, step3, from: p1) { _, start, suffix in suffix != u("ative") || start >= p2 }
            replaceLongest(&w, step4.map { ($0, []) }, from: p2) { w, start, suffix in
                suffix != u("ion") || (start > 0 && (w[start - 1] == UInt16(UInt8(ascii: "s")) || w[start - 1] == UInt16(UInt8(ascii: "t"))))
            }
            step5(&w, p1: p1, p2: p2)
        }
        if yFound { w = w.map { $0 == bigY ? y : $0 } }
        return String(decoding: w, as: UTF16.self)
    }

    /// R1 starts after the first consonant that follows a vowel (or after one of three
    /// prefixes); R2 is the same rule applied again inside R1.
    static func regions(_ w: Word) -> (Int, Int) {
        func pastVowelThenConsonant(from: Int) -> Int? {
            var i = from
            while i < w.count && !isVowel(w[i]) { i += 1 }
            guard i < w.count else { return nil }
            i += 1
            while i < w.count && isVowel(w[i]) { i += 1 }
            return i < w.count ? i + 1 : nil
        }
        var p1 = w.count
        if let prefix = ["gener", "commun", "arsen"].map(u).first(where: { w.starts(with: $0) }) { p1 = prefix.count }
        else if let p = pastVowelThenConsonant(from: 0) { p1 = p } else { return (w.count, w.count) }
        return (p1, pastVowelThenConsonant(from: p1) ?? w.count)
    }

    static func ends(_ w: Word, _ s: Word) -> Bool { w.count >= s.count && w.suffix(s.count).elementsEqual(s) }

    /// A short syllable ending at `end`: consonant, vowel, consonant other than w, x or Y; or
    /// at the word's start, vowel then consonant.
    static func shortSyllable(_ w: Word, endingAt end: Int) -> Bool {
        let wxY = Set(u("wxY"))
        if end >= 3 && !isVowel(w[end - 1]) && !wxY.contains(w[end - 1]) && isVowel(w[end - 2]) && !isVowel(w[end - 3]) { return true }
        return end == 2 && !isVowel(w[1]) && isVowel(w[0])
    }

    static func step1a(_ w: inout Word) {
        for s in ["'s'", "'s", "'"].map(u) where ends(w, s) { w.removeLast(s.count); break }
        if ends(w, u("sses")) { w.removeLast(2) }
        else if ends(w, u("ied")) || ends(w, u("ies")) { w.removeLast(w.count - 3 >= 2 ? 2 : 1) }
        else if ends(w, u("us")) || ends(w, u("ss")) { return }
        else if ends(w, u("s")), w.count >= 3, w[0..<(w.count - 2)].contains(where: isVowel) { w.removeLast() }
    }

    static func step1b(_ w: inout Word, p1: Int) {
        if let s = ["eedly", "eed"].map(u).first(where: { ends(w, $0) }) {
            if w.count - s.count >= p1 { w.removeLast(s.count); w += u("ee") }
            return
        }
        guard let s = ["ingly", "edly", "ing", "ed"].map(u).first(where: { ends(w, $0) }),
              w[0..<(w.count - s.count)].contains(where: isVowel) else { return }
        w.removeLast(s.count)
        if ["at", "bl", "iz"].map(u).contains(where: { ends(w, $0) }) { w += u("e") }
        else if w.count >= 2, doubles.contains(Array(w.suffix(2))) { w.removeLast() }
        else if w.count == p1 && shortSyllable(w, endingAt: w.count) { w += u("e") }
    }

    static func step1c(_ w: inout Word) {
        guard let last = w.last, last == y || last == bigY, w.count >= 3, !isVowel(w[w.count - 2]) else { return }
        w[w.count - 1] = UInt16(UInt8(ascii: "i"))
    }

    /// The longest listed suffix the word ends with, replaced when it starts in the region and
    /// its condition holds; a shorter suffix is never tried instead.
    static func replaceLongest(_ w: inout Word, _ rules: [(Word, Word?)], from region: Int,
                               when condition: (Word, Int, Word) -> Bool) {
        guard let (suffix, replacement) = rules.filter({ ends(w, $0.0) }).max(by: { $0.0.count < $1.0.count }) else { return }
        let start = w.count - suffix.count
        guard start >= region, condition(w, start, suffix) else { return }
        w.removeLast(suffix.count)
        w += replacement ?? []
    }

    static func step5(_ w: inout Word, p1: Int, p2: Int) {
        guard let last = w.last else { return }
        let start = w.count - 1
        if last == UInt16(UInt8(ascii: "e")) {
            if start >= p2 || (start >= p1 && !shortSyllable(w, endingAt: start)) { w.removeLast() }
        } else if last == UInt16(UInt8(ascii: "l")) {
            if start >= p2 && start > 0 && w[start - 1] == last { w.removeLast() }
        }
    }
}
