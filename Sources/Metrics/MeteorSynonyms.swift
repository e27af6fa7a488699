/// METEOR 1.5's WordNet synonym stage data: each word's synset numbers (synonym/english.synsets:
/// a word line, then a line of numbers), the irregular forms' base words
/// (synonym/english.exceptions: a base line, then its forms), and WordNet 3's suffix rules
/// for the rest. Two different words match when their synsets, or their base forms',
/// share a number.
public struct MeteorSynonyms: Sendable {
    let synsets: [String: Set<Int32>]
    let bases: [String: [String]]

    public init(synsets: String, exceptions: String, file: String) throws {
        var s: [String: Set<Int32>] = [:]
        let lines = synsets.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        while i + 1 < lines.count {
            var set = Set<Int32>()
            for t in MeteorText.tokens(String(lines[i + 1])) {
                guard let n = Int32(t) else { throw Inflate.Failure(description: "\(file): line \(i + 2): a synset number expected, found \"\(t.prefix(20))\"") }
                set.insert(n)
            }
            s[String(lines[i])] = set
            i += 2
        }
        var b: [String: [String]] = [:]
        let exc = exceptions.split(separator: "\n", omittingEmptySubsequences: false)
        i = 0
        while i + 1 < exc.count {
            for form in MeteorText.tokens(String(exc[i + 1])) { b[form, default: []].append(String(exc[i])) }
            i += 2
        }
        self.synsets = s
        self.bases = b
    }

    func synsetsOf(_ word: String) -> Set<Int32> { synsets[word] ?? [] }

    /// A word's own synsets and its base forms' (the listed irregular bases, or else the first
    /// WordNet suffix rule whose result is a known word).
    func allSynsets(_ word: String) -> Set<Int32> {
        var set = synsetsOf(word)
        if let bs = bases[word] {
            for b in bs { set.formUnion(synsetsOf(b)) }
        } else {
            set.formUnion(synsetsOf(morph(word)))
        }
        return set
    }

    static let suffixes = ["s", "ses", "xes", "zes", "ches", "shes", "men", "ies", "s", "ies", "es", "es", "ed", "ed",
                           "ing", "ing", "er", "est", "er", "est"]
    static let endings = ["", "s", "x", "z", "ch", "sh", "man", "y", "", "y", "e", "", "e", "", "e", "", "", "", "e", "e"]

    /// WordNet's morphological base (its "ful" handling, which the Java leaves without effect,
    /// and its empty answer when no rule gives a known word, included).
    func morph(_ word: String) -> String {
        if word.hasSuffix("ful") { return "" }
        if word.hasSuffix("ss") || word.utf16.count <= 2 { return word }
        for (suffix, ending) in zip(Self.suffixes, Self.endings) where word.hasSuffix(suffix) {
            let base = String(word.utf16.dropLast(suffix.utf16.count))! + ending
            if synsets[base] != nil { return base }
        }
        return ""
    }
}
