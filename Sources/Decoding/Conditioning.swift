import Models

/// What a generation is conditioned on besides the prompt: nothing (a base or fine-tuned
/// model), a prefix of key/value rows at every layer (prefix-tuning), or virtual input
/// embeddings placed before the prompt (prompt tuning / embedding-only).
public enum Conditioning: Sendable {
    case none
    /// (P, 2·L·C) in PEFT's layout: for position p, layer l's key at columns 2l·C and value at (2l+1)·C.
    case prefix(P: Int, values: [Float])
    /// (P, C).
    case embeddings(P: Int, values: [Float])
    /// The paper's infix: (P, 2·L·C) key/value rows placed after the prompt (source + eos)
    /// and before the first generated token, which is predicted at the eos as in training.
    case infix(P: Int, values: [Float])

    public var kvRows: Int { if case .prefix(let P, _) = self { return P }; return 0 }
    public var virtualTokens: Int { if case .embeddings(let P, _) = self { return P }; return 0 }
    public var infixRows: Int { if case .infix(let P, _) = self { return P }; return 0 }

    /// Appends the infix rows to every row of `cache` (after the prompt).
    func appendInfix(to cache: KVCache) {
        guard case .infix(let P, let v) = self else { return }
        v.withUnsafeBufferPointer { cache.appendShared(rows: $0.baseAddress!, P: P) }
    }

    /// The prefix in KVCache.prefill's layout, (L, 2, P, C).
    func cacheLayout(config: GPT2Config) -> [Float]? {
        guard case .prefix(let P, let v) = self else { return nil }
        let L = config.nLayer, C = config.nEmbd
        var out = [Float](repeating: 0, count: L * 2 * P * C)
        for l in 0..<L {
            for kv in 0..<2 {
                for p in 0..<P {
                    for c in 0..<C { out[((l * 2 + kv) * P + p) * C + c] = v[p * 2 * L * C + (2 * l + kv) * C + c] }
                }
            }
        }
        return out
    }
}
