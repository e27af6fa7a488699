/// A smaller byte-level BPE for a corpus: the tokens the corpus uses, all 256 byte tokens (so
/// any text still encodes), the special tokens, and — recursively — both parts of every kept
/// merge, with the merges whose result is kept, in their original order. Every corpus text
/// encodes to the same token strings as with the full vocabulary: the only merges dropped are
/// ones whose result never appears, not even as a step toward a kept token.
public enum TokenizerPruning {
    public static func prune(_ full: BPETokenizer, corpus: [String]) -> (vocab: [String: Int32], merges: [(String, String)]) {
        var keep = Set<String>()
        for line in corpus { for id in full.encode(line) { keep.insert(full.tokens[Int(id)]) } }
        for b in 0..<256 { keep.insert(String(Character(ByteLevel.byteToScalar[b]))) }
        for s in full.specialTokens.keys { keep.insert(s) }
        // Parts of kept merge results, down to bytes (later merges build on earlier ones).
        for (a, b) in full.merges.reversed() where keep.contains(a + b) {
            keep.insert(a)
            keep.insert(b)
        }
        let merges = full.merges.filter { keep.contains($0.0 + $0.1) && keep.contains($0.0) && keep.contains($0.1) }
        // New ids in the old order, so the special token stays last as in GPT-2.
        let ordered = full.tokens.enumerated().filter { keep.contains($0.element) && !$0.element.isEmpty }.map(\.element)
        var vocab: [String: Int32] = [:]
        for (i, t) in ordered.enumerated() { vocab[t] = Int32(i) }
        return (vocab, merges)
    }
}
