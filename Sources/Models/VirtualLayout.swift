/// Where a tuning method's virtual rows go in a sequence: what a batch layout and a decoder
/// need to know of a method, and nothing more. Methods describe themselves with it; each model
/// family's batching and decoding apply it.
public struct VirtualLayout: Sendable, Equatable {
    public enum Placement: Sendable, Equatable {
        /// Before every real token (prefix-tuning): the tokens take positions P, P+1, ...
        /// (transformers counts the cached length, as PEFT relies on).
        case start
        /// Right after the source's eos (the paper's infix): the target's positions continue
        /// after the rows; its first token is predicted at the eos, before them.
        case afterSource
    }

    /// Virtual input embeddings before the tokens (embedding-only / prompt tuning); they take
    /// positions 0..<P and the tokens follow.
    public var leadingEmbeddings: Int
    /// Virtual key/value rows in every attention.
    public var keyValueRows: Int
    public var placement: Placement

    public init(leadingEmbeddings: Int = 0, keyValueRows: Int = 0, placement: Placement = .start) {
        self.leadingEmbeddings = leadingEmbeddings; self.keyValueRows = keyValueRows; self.placement = placement
    }

    public static let none = VirtualLayout()

    /// Positions an example needs beyond its own tokens.
    public var extraPositions: Int { leadingEmbeddings + keyValueRows }
}
