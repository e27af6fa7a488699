/// One training example as token ids: the source and the target, each without special tokens.
/// How they become a sequence is the model family's contract (GPT-2: source + [eos] + target
/// + [eos], the target and the final eos scored, as `lm-score` scores them).
public struct TokenizedExample: Sendable, Equatable {
    public var source: [Int32]
    /// encode(" " + target), without the eos.
    public var target: [Int32]
    public init(source: [Int32], target: [Int32]) { self.source = source; self.target = target }

    /// The decoder-only sequence: source + [eos] + target + [eos].
    public func sequence(eos: Int32) -> [Int32] { source + [eos] + target + [eos] }
    /// Tokens of `sequence`.
    public var length: Int { source.count + target.count + 2 }
    /// Tokens scored: the target and the final eos.
    public var scoredTokens: Int { target.count + 1 }
}
