import Models

/// The paper's initialisation from real words (§7.4): the prefix takes the activations of
/// the words' tokens, so training starts from something the model already reads.
///
/// - prefix/infix without MLP: each layer's keys and values of the tokens of TEXT, run
///   through the frozen model at positions 0, 1, ... (as the original code's prefix init).
/// - prefix/infix with MLP: the MLP's input embedding takes the tokens' wte rows (the MLP's
///   output cannot be set directly).
/// - embedding-only: the virtual embeddings take the tokens' wte rows.
/// With fewer tokens than P the tokens repeat; with more, the first P are used.
public enum PrefixInit {
    public static func fromWords(_ encoder: PrefixEncoder, model: GPT2Model, tokens: [Int32]) {
        precondition(!tokens.isEmpty)
        let P = encoder.P, C = model.config.nEmbd, L = model.config.nLayer
        let ids = (0..<P).map { tokens[$0 % tokens.count] }
        let wte = model.params[model.layout.wte]
        let emb = encoder.params.value("embedding.weight")
        if encoder.usesMLP || encoder.options.method == .embedding {
            for (p, id) in ids.enumerated() { (emb + p * C).update(from: wte + Int(id) * C, count: C) }
            return
        }
        // Keys and values of the words, read from a KV cache.
        let cache = KVCache(config: model.config, batch: 1, capacity: P)
        _ = model.forward(tokens: ids, positions: (0..<P).map(Int32.init), B: 1, T: P, cache: cache)
        for l in 0..<L {
            for p in 0..<P {
                (emb + p * 2 * L * C + 2 * l * C).update(from: cache.keys(layer: l) + p * C, count: C)
                (emb + p * 2 * L * C + (2 * l + 1) * C).update(from: cache.values(layer: l) + p * C, count: C)
            }
        }
    }
}
