/// How to decode. `beams == 1` and no sampling is greedy search.
public struct GenerationSettings: Sendable, Equatable {
    public var maxNewTokens = 100
    /// eos is suppressed until this many tokens exist, as transformers' min_new_tokens.
    public var minNewTokens = 0
    public var beams = 1
    /// Beam search: hypotheses scored by sum of log-probabilities / (generated length ^ this).
    public var lengthPenalty = 1.0
    /// No n-gram of this size may occur twice in a sequence (0: off).
    public var noRepeatNgram = 0
    /// Beam search stops an input once it has `beams` finished hypotheses (transformers'
    /// early_stopping=True; bart-large-xsum sets it), instead of when none can improve.
    public var earlyStopping = false
    /// Sampling instead of search (beams must be 1): temperature, then top-k, then top-p, as
    /// transformers applies them (its defaults: top-k 50, top-p 1).
    public var sample = false
    public var temperature = 1.0
    public var topK = 50
    public var topP = 1.0
    public var seed: UInt64 = 0
    public init() {}
}
