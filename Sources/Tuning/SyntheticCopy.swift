import Models
import Specs
import Support

extension SyntheticCopy {
    /// The documents, as (empty source, span + span) examples; the same seed gives the same ones.
    /// A span is a run of random token ids of the whole vocabulary but eos, then the same run
    /// again: only in-context copying lowers the loss on the second half, and because the ids
    /// cover the whole vocabulary the copying learned is not tied to the corpus's tokens.
    public func documents(count: Int, vocabSize: Int, eos: Int32, seed: UInt64) -> [TokenizedExample] {
        var rng = SplitMix64(seed: seed ^ 0xC0B1_C0B1)
        let span = UInt64(maxSpan - minSpan + 1)
        return (0..<count).map { _ in
            let k = minSpan + Int(rng.next() % span)
            let ids: [Int32] = (0..<k).map { _ in
                // Draw from V−1 ids and skip eos, so eos never appears inside a document.
                let r = Int32(rng.next() % UInt64(vocabSize - 1))
                return r >= eos ? r + 1 : r
            }
            return TokenizedExample(source: [], target: ids + ids)
        }
    }
}
