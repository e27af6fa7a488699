import Models

/// Synthetic copy documents for pretraining: a span of random token ids (the whole vocabulary
/// but eos), then the same span again. Only in-context copying lowers the loss on the second
/// half, and because the ids cover the whole vocabulary the copying learned is not tied to the
/// tokens of the text corpus. Stored in run.json, so a resumed run rebuilds the same documents.
public struct SyntheticCopy: Sendable, Equatable, Codable {
    /// Share of the training documents that are copy documents, in [0, 1).
    public var share: Double
    public var minSpan: Int
    public var maxSpan: Int

    public init(share: Double, minSpan: Int, maxSpan: Int) {
        self.share = share; self.minSpan = minSpan; self.maxSpan = maxSpan
    }

    /// How many copy documents join `corpusCount` corpus documents to make up `share`.
    public func count(corpusCount: Int) -> Int {
        Int((Double(corpusCount) * share / (1 - share)).rounded())
    }

    /// The documents, as (empty source, span + span) examples; the same seed gives the same ones.
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
