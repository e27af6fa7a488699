import Models

/// Where a query's attention went: shares of its probability mass (summing to 1).
public struct AttentionShares: Sendable, Equatable {
    /// On the method's own rows: the prefix, the virtual tokens or the infix.
    public var virtual: Float
    /// On the prompt: the source's tokens and its eos.
    public var source: Float
    /// On the text generated so far.
    public var generated: Float
    public init(virtual: Float, source: Float, generated: Float) { self.virtual = virtual; self.source = source; self.generated = generated }
    public static let zero = AttentionShares(virtual: 0, source: 0, generated: 0)
}

/// Greedy decoding of one prompt that records, for every generated token, how the query that
/// predicted it divided its attention per layer and head. It runs the decoders' own steps (a
/// prefix pre-filled, virtual embeddings before the prompt, an infix after it, adapters in the
/// blocks, LoRA merged), so its tokens are `GreedyDecoder`'s.
public enum AttentionTrace {
    public struct Result: Sendable {
        /// Generated ids, eos excluded.
        public let tokens: [Int32]
        /// shares[token][layer][head].
        public let shares: [[[AttentionShares]]]
        public let layers: Int, heads: Int
    }

    public static func run(model: any CausalLM, conditioning: Conditioning, prompt: [Int32], maxNewTokens: Int) -> Result {
        conditioning.mergingLoRA(into: model) { c in c.withBlockParameters { trace(model, c, prompt, maxNewTokens, $0) } }
    }

    private static func trace(_ model: any CausalLM, _ c: Conditioning, _ prompt: [Int32], _ maxNew: Int, _ blocks: BlockParameters?) -> Result {
        let s = model.shape, L = s.layers, NH = s.heads, V = s.vocabSize, eos = Int32(s.eosTokenId)
        let Pkv = c.kvRows, Pe = c.virtualTokens, Pi = c.infixRows
        let T = Pe + prompt.count
        let cache = model.makeCache(batch: 1, capacity: Pkv + T + Pi + maxNew)
        c.prefill(cache)
        // Key rows by what they hold: the prefix and the virtual tokens, the prompt, the infix,
        // then the generated tokens.
        let sourceRows = (Pkv + Pe)..<(Pkv + T), infixRows = (Pkv + T)..<(Pkv + T + Pi)
        func shares(_ probs: UnsafePointer<Float>, rows Tq: Int, query t: Int, keys Tk: Int) -> [AttentionShares] {
            (0..<NH).map { h in
                let row = probs + (h * Tq + t) * Tk
                var a = AttentionShares.zero
                for r in 0..<Tk {
                    if r < Pkv + Pe || infixRows.contains(r) { a.virtual += row[r] }
                    else if sourceRows.contains(r) { a.source += row[r] }
                    else { a.generated += row[r] }
                }
                return a
            }
        }
        var step = [[AttentionShares]](repeating: [], count: L)
        let tokens = (0..<T).map { $0 < Pe ? Int32(-$0 - 1) : prompt[$0 - Pe] }
        let positions = (0..<T).map { Int32(Pkv + $0) }
        var hidden = (c.embeddings ?? []).withUnsafeBufferPointer { e in
            model.forward(tokens: tokens, positions: positions, keyMask: nil, B: 1, T: T, cache: cache,
                          virtualEmbeds: Pe > 0 ? e.baseAddress : nil, blocks: blocks,
                          probe: { l, p in step[l] = shares(p, rows: T, query: T - 1, keys: Pkv + T) })
        }
        var lastRow = T - 1
        c.appendInfix(to: cache)  // after the prompt; the first token is still predicted at the eos
        var out: [Int32] = [], traced: [[[AttentionShares]]] = []
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { logits.deallocate() }
        var pos = Int32(Pkv + Pi + T)
        for k in 0..<maxNew {
            model.logits(hidden: hidden + lastRow * s.width, N: 1, into: logits)
            var best = 0
            for v in 1..<V where logits[v] > logits[best] { best = v }
            if Int32(best) == eos { break }
            out.append(Int32(best))
            traced.append(step)
            if k == maxNew - 1 { break }
            let past = cache.length
            hidden = model.forward(tokens: [Int32(best)], positions: [pos], keyMask: nil, B: 1, T: 1, cache: cache,
                                   virtualEmbeds: nil, blocks: blocks, probe: { l, p in step[l] = shares(p, rows: 1, query: 0, keys: past + 1) })
            lastRow = 0
            pos += 1
        }
        return Result(tokens: out, shares: traced, layers: L, heads: NH)
    }
}

extension Array where Element == AttentionShares {
    /// The heads' mean.
    public var mean: AttentionShares {
        guard !isEmpty else { return .zero }
        let n = Float(count)
        return AttentionShares(virtual: map(\.virtual).reduce(0, +) / n, source: map(\.source).reduce(0, +) / n,
                               generated: map(\.generated).reduce(0, +) / n)
    }
}
