import Kernels
import Models

/// Greedy and beam search for encoder-decoders, as transformers' `generate` (5.24) decodes
/// them: the decoder starts from decoder_start_token_id; the processors act on log-softmax
/// scores (beam search) or logits (greedy) — min_new_tokens bans eos, no_repeat_ngram counts
/// the start token, and the model's forced eos takes the last position (log-prob 0); the
/// length penalty divides by the generated length including the eos. Each batch of documents
/// is encoded once; its beams share the encoder's memory. A prefix's encoder rows are used
/// once per document, its cross rows shared by the document's beams, its decoder rows copied
/// into every beam's cache.
public struct Seq2SeqDecoder {
    public let model: any Seq2SeqLM
    public let settings: GenerationSettings
    public let prefix: Seq2SeqPrefix?

    public init(model: any Seq2SeqLM, settings: GenerationSettings, prefix: Seq2SeqPrefix? = nil) {
        self.model = model; self.settings = settings; self.prefix = prefix
    }

    /// The generated ids of each document (no start token, no final eos).
    public func generate(documents: [[Int32]]) -> [[Int32]] {
        guard !documents.isEmpty else { return [] }
        let B = documents.count, S = documents.map(\.count).max()!
        var tokens = [Int32](repeating: model.padTokenId, count: B * S), mask = [UInt8](repeating: 0, count: B * S)
        for (b, d) in documents.enumerated() { for (i, t) in d.enumerated() { tokens[b * S + i] = t; mask[b * S + i] = 1 } }
        let memory = model.encode(tokens: tokens, mask: mask, B: B, S: S, prefix: prefix)
        return settings.beams == 1 ? greedy(memory) : beamSearch(memory)
    }

    /// min_new_tokens, no_repeat_ngram and the forced eos on one row; `sequence` is the
    /// decoder's input so far (start token included), `length` its length.
    func process(_ row: UnsafeMutablePointer<Float>, V: Int, sequence: [Int32], maxLength: Int) {
        let eos = Int(model.eosTokenId)
        if sequence.count - 1 < settings.minNewTokens { row[eos] = -.infinity }
        banRepeats(row, sequence: sequence, n: settings.noRepeatNgram)
        if let forced = model.forcedEOSTokenId, sequence.count == maxLength - 1 {
            for v in 0..<V { row[v] = -.infinity }
            row[Int(forced)] = 0
        }
    }

    func greedy(_ memory: EncoderMemory) -> [[Int32]] {
        let B = memory.B, V = model.shape.vocabSize, eos = model.eosTokenId
        let maxLength = 1 + settings.maxNewTokens
        let cache = model.makeDecoderCache(batch: B, capacity: memory.decoderPrefixRows + maxLength)
        memory.startDecoding(cache)
        var seqs = [[Int32]](repeating: [model.decoderStartTokenId], count: B)
        var done = [Bool](repeating: false, count: B)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: B * V)
        defer { logits.deallocate() }
        var input = seqs.map { $0[0] }
        while seqs[0].count < maxLength && done.contains(false) {
            let h = model.decode(tokens: input, B: B, T: 1, cache: cache, memory: memory, beams: 1)
            model.logits(hidden: h, N: B, into: logits)
            for b in 0..<B {
                let row = logits + b * V
                process(row, V: V, sequence: seqs[b], maxLength: maxLength)
                var best = 0
                for v in 1..<V where row[v] > row[best] { best = v }
                // A finished row keeps receiving the pad token, as transformers pads it.
                let next = done[b] ? model.padTokenId : Int32(best)
                seqs[b].append(next)
                input[b] = next
                if next == eos { done[b] = true }
            }
        }
        return seqs.map { Array($0.dropFirst().prefix { $0 != eos }) }
    }

    func beamSearch(_ memory: EncoderMemory) -> [[Int32]] {
        let B = memory.B, K = settings.beams, R = B * K, V = model.shape.vocabSize
        let maxLength = 1 + settings.maxNewTokens
        let cache = model.makeDecoderCache(batch: R, capacity: memory.decoderPrefixRows + maxLength)
        memory.startDecoding(cache)
        var state = BeamSearchState(B: B, K: K, eos: model.eosTokenId, lengthPenalty: settings.lengthPenalty, earlyStopping: settings.earlyStopping)
        var rows = [[Int32]](repeating: [model.decoderStartTokenId], count: R)
        var input = rows.map { $0[0] }
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: R * V)
        defer { logits.deallocate() }
        var curLen = 1
        while curLen < maxLength && !state.isDone {
            let h = model.decode(tokens: input, B: R, T: 1, cache: cache, memory: memory, beams: K)
            model.logits(hidden: h, N: R, into: logits)
            for r in 0..<R where state.active[r / K] {
                let row = logits + r * V
                logSoftmaxInPlace(row, V)
                process(row, V: V, sequence: rows[r], maxLength: maxLength)
            }
            let (reorder, next) = state.step(logprobs: logits, V: V, generatedAfter: curLen, atLimit: curLen + 1 >= maxLength)
            curLen += 1
            guard curLen < maxLength && !state.isDone else { break }
            cache.reorder(rows: reorder, fromPosition: memory.decoderPrefixRows)
            let before = rows
            for r in 0..<R { rows[r] = before[reorder[r]] + [next[r]] }
            input = next
        }
        return state.best
    }
}
