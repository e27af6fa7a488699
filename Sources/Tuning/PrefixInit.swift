import Models

/// The paper's initialisation from real words (§7.4): the prefix takes the activations of
/// the words' tokens, so training starts from something the model already reads.
///
/// - key/value rows without MLP: each layer's keys and values of the tokens of TEXT, run
///   through the frozen model at positions 0, 1, ... (as the original code's prefix init).
/// - key/value rows with MLP: the MLP's input embedding takes the tokens' input embeddings
///   (the MLP's output cannot be set directly).
/// - virtual input embeddings: the tokens' input embeddings.
/// With fewer tokens than P the tokens repeat; with more, the first P are used.
public enum PrefixInit {
    public static func fromWords(_ encoder: PrefixEncoder, model: any LanguageModel, tokens: [Int32]) throws {
        precondition(!tokens.isEmpty)
        let P = encoder.P, C = model.shape.width, L = model.shape.layers
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= model.shape.vocabSize }) {
            throw MethodError("--init words: token id \(bad) is outside the model's vocabulary of \(model.shape.vocabSize)")
        }
        try fill(encoder, model: model, ids: (0..<P).map { tokens[$0 % tokens.count] }, C: C, L: L)
    }

    static func fill(_ encoder: PrefixEncoder, model: any LanguageModel, ids: [Int32], C: Int, L: Int) throws {
        let P = ids.count
        let emb = encoder.value("embedding.weight")
        if encoder.usesMLP || encoder.target == .embeddings {
            for (p, id) in ids.enumerated() { (emb + p * C).update(from: model.tokenEmbedding(id), count: C) }
            return
        }
        // Keys and values of the words, read from a KV cache.
        guard let causal = model as? any CausalLM else { throw MethodError("--init words: needs a decoder to read the words' keys and values") }
        let cache = causal.makeCache(batch: 1, capacity: P)
        _ = causal.forward(tokens: ids, positions: (0..<P).map(Int32.init), B: 1, T: P, cache: cache)
        for l in 0..<L {
            for p in 0..<P {
                (emb + p * 2 * L * C + 2 * l * C).update(from: cache.keys(layer: l) + p * C, count: C)
                (emb + p * 2 * L * C + (2 * l + 1) * C).update(from: cache.values(layer: l) + p * C, count: C)
            }
        }
    }
}
