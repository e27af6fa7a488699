/// What a generation is conditioned on besides the prompt and the model's weights, as the
/// mechanisms a model offers (a method picks one or more; a fine-tuned run needs none):
/// - `prefix`: key/value rows before the prompt at every layer, (P, 2·L·C) in PEFT's layout
///   (for position p, layer l's key at columns 2l·C and its value at (2l+1)·C);
/// - `embeddings`: virtual input embeddings (P, C) placed right before the prompt;
/// - `infix`: key/value rows (P, 2·L·C) after the prompt (source + eos) and before the first
///   generated token, which is predicted at the eos as in training.
public struct Conditioning: Sendable {
    public var prefix: [Float]? = nil
    public var prefixRows = 0
    public var embeddings: [Float]? = nil
    public var embeddingRows = 0
    public var infix: [Float]? = nil
    public var infixRowCount = 0

    public init() {}

    public static let none = Conditioning()
    public static func prefix(P: Int, values: [Float]) -> Conditioning { var c = Conditioning(); c.prefix = values; c.prefixRows = P; return c }
    public static func embeddings(P: Int, values: [Float]) -> Conditioning { var c = Conditioning(); c.embeddings = values; c.embeddingRows = P; return c }
    public static func infix(P: Int, values: [Float]) -> Conditioning { var c = Conditioning(); c.infix = values; c.infixRowCount = P; return c }

    /// Key/value rows before the prompt.
    public var kvRows: Int { prefix == nil ? 0 : prefixRows }
    /// Virtual input embeddings before the prompt.
    public var virtualTokens: Int { embeddings == nil ? 0 : embeddingRows }
    /// Key/value rows after the prompt.
    public var infixRows: Int { infix == nil ? 0 : infixRowCount }
    /// Positions the conditioning takes besides the prompt and the new tokens.
    public var extraPositions: Int { kvRows + virtualTokens + infixRows }

    /// Appends the infix rows to every row of `cache` (after the prompt).
    public func appendInfix(to cache: KVCache) {
        guard let v = infix else { return }
        v.withUnsafeBufferPointer { cache.appendShared(rows: $0.baseAddress!, P: infixRowCount) }
    }

    /// Writes the prefix into an empty cache (every batch row), as KVCache.prefill takes it.
    public func prefill(_ cache: KVCache) {
        guard let v = prefix else { return }
        let L = cache.nLayer, C = cache.C, P = prefixRows
        var out = [Float](repeating: 0, count: L * 2 * P * C)
        for l in 0..<L {
            for kv in 0..<2 {
                for p in 0..<P {
                    for c in 0..<C { out[((l * 2 + kv) * P + p) * C + c] = v[p * 2 * L * C + (2 * l + kv) * C + c] }
                }
            }
        }
        out.withUnsafeBufferPointer { cache.prefill(prefix: $0.baseAddress!, P: P) }
    }
}
