import Models

/// Prompts laid out as both decoders feed them (and as transformers does): left-padded with
/// eos to a common length T, virtual embeddings (prompt tuning) right before each prompt, and
/// positions counted from each prompt's first token — after a prefix, from P (each row's own
/// P in a mixed batch).
struct PromptBatch {
    let B: Int, T: Int
    /// Each prompt's length in rows, virtual embeddings included.
    let lens: [Int]
    let tokens: [Int32], positions: [Int32]
    let mask: [UInt8]

    init(_ prompts: [[Int32]], conditioning: BatchConditioning, eos: Int32) {
        B = prompts.count
        lens = prompts.indices.map { prompts[$0].count + conditioning.virtualTokens($0) }
        T = lens.max() ?? 0
        var tokens = [Int32](repeating: eos, count: B * T), positions = [Int32](repeating: 0, count: B * T)
        var mask = [UInt8](repeating: 0, count: B * T)
        for (b, p) in prompts.enumerated() {
            let pad = T - lens[b], Pkv = conditioning.kvRows(b), Pe = conditioning.virtualTokens(b)
            let e0 = conditioning.embeddingOffset(b)
            for k in 0..<lens[b] {
                tokens[b * T + pad + k] = k < Pe ? Int32(-(e0 + k) - 1) : p[k - Pe]
                positions[b * T + pad + k] = Int32(Pkv + k)
                mask[b * T + pad + k] = 1
            }
        }
        self.tokens = tokens; self.positions = positions; self.mask = mask
    }

    /// Row b as fed (padding and virtual-token markers included).
    func row(_ b: Int) -> [Int32] { Array(tokens[(b * T)..<(b * T + T)]) }

    /// Pre-fills the prefixes into `cache` (B rows) and runs the prompts; the hidden states (B·T, C).
    func run(model: any CausalLM, conditioning: BatchConditioning, blocks: BlockParameters?, cache: KVCache) -> UnsafePointer<Float> {
        conditioning.prefill(cache)
        let embeds = conditioning.embeddings
        return embeds.withUnsafeBufferPointer { e in
            model.forward(tokens: tokens, positions: positions, keyMask: mask, B: B, T: T, cache: cache,
                          virtualEmbeds: embeds.isEmpty ? nil : e.baseAddress, blocks: blocks)
        }
    }

    /// Position of each prompt's first new token (after a prefix and an infix).
    func nextPositions(_ conditioning: BatchConditioning) -> [Int32] {
        lens.indices.map { Int32(conditioning.kvRows($0) + conditioning.infixRows + lens[$0]) }
    }
}
