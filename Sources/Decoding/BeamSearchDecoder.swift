#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernels
import Models
import Support

/// Beam search as transformers (5.x) does it, for many prompts at once on the KV cache of a
/// decoder-only model (the bookkeeping is `BeamSearchState`'s).
public struct BeamSearchDecoder {
    public let model: any CausalLM
    public let conditioning: Conditioning
    public let settings: GenerationSettings

    public init(model: any CausalLM, conditioning: Conditioning = .none, settings: GenerationSettings) {
        self.model = model; self.conditioning = conditioning; self.settings = settings
    }

    public func generate(prompts: [[Int32]]) -> [[Int32]] {
        conditioning.mergingLoRA(into: model) { c in c.withBlockParameters { run(prompts, conditioning: BatchConditioning(c), blocks: $0) } }
    }

    /// A mixed batch: prompt i decoded with rows[i] (a prefix or virtual embeddings; this
    /// decoder's own conditioning is not used), each output as its own conditioning gives it.
    public func generate(prompts: [[Int32]], rows: [Conditioning]) -> [[Int32]] {
        precondition(prompts.count == rows.count)
        return run(prompts, conditioning: BatchConditioning(rows: rows), blocks: nil)
    }

    /// `conditioning` without LoRA (merged into the weights), its adapters in `blocks`.
    func run(_ prompts: [[Int32]], conditioning: BatchConditioning, blocks: BlockParameters?) -> [[Int32]] {
        let cfg = model.shape, V = cfg.vocabSize, C = cfg.width, eos = Int32(cfg.eosTokenId)
        let K = settings.beams, B = prompts.count, R = B * K
        guard B > 0 else { return [] }
        let Pkv = conditioning.maxKVRows, Pi = conditioning.infixRows
        let batch = PromptBatch(prompts, conditioning: conditioning, eos: eos)
        let T = batch.T
        let maxLength = T + settings.maxNewTokens
        let cache = model.makeCache(batch: R, capacity: Pkv + T + Pi + settings.maxNewTokens)

        // Every beam row starts as its prompt, left-padded with eos (what transformers feeds;
        // after virtual embeddings, fed as inputs_embeds, its sequences hold only new tokens);
        // the prompt runs once per prompt and its cache rows are copied to the other beams.
        var rowTokens = (0..<R).map { conditioning.virtualTokens($0 / K) > 0 ? [] : batch.row($0 / K) }
        let promptCache = model.makeCache(batch: B, capacity: Pkv + T)
        let promptHidden = batch.run(model: model, conditioning: conditioning, blocks: blocks, cache: promptCache)
        cache.copyRows(from: promptCache, rows: (0..<R).map { $0 / K })
        conditioning.appendInfix(to: cache)
        // The prompt's last hidden state, once per beam row.
        let lastPrompt = UnsafeMutablePointer<Float>.allocate(capacity: R * C)
        defer { lastPrompt.deallocate() }
        for r in 0..<R { (lastPrompt + r * C).update(from: promptHidden + ((r / K) * T + T - 1) * C, count: C) }
        var hidden = UnsafePointer(lastPrompt)
        var lastRow = Array(0..<R)
        var nextPos = batch.nextPositions(conditioning)

        var state = BeamSearchState(B: B, K: K, eos: eos, lengthPenalty: settings.lengthPenalty, earlyStopping: false)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: R * V)
        let last = UnsafeMutablePointer<Float>.allocate(capacity: R * C)
        defer { logits.deallocate(); last.deallocate() }

        var curLen = T
        while curLen < maxLength && !state.isDone {
            for r in 0..<R { (last + r * C).update(from: hidden + lastRow[r] * C, count: C) }
            model.logits(hidden: last, N: R, into: logits)
            for r in 0..<R where state.active[r / K] {
                let row = logits + r * V
                logSoftmaxInPlace(row, V)
                applyProcessors(row, V: V, sequence: rowTokens[r], generated: curLen - T, eos: eos)
            }
            let (reorder, nextTokens) = state.step(logprobs: logits, V: V, generatedAfter: curLen + 1 - T, atLimit: curLen + 1 >= maxLength)
            curLen += 1
            guard curLen < maxLength && !state.isDone else { break }
            cache.reorder(rows: reorder, fromPosition: Pkv + T + Pi)
            let before = rowTokens
            for r in 0..<R { rowTokens[r] = before[reorder[r]] + [nextTokens[r]] }
            var pos = [Int32](repeating: 0, count: R)
            for b in 0..<B { nextPos[b] += 1; for k in 0..<K { pos[b * K + k] = nextPos[b] - 1 } }
            hidden = model.forward(tokens: nextTokens, positions: pos, B: R, T: 1, cache: cache, blocks: blocks)
            lastRow = Array(0..<R)
        }
        return state.best
    }

    /// min_new_tokens and no_repeat_ngram, as transformers' logits processors.
    func applyProcessors(_ row: UnsafeMutablePointer<Float>, V: Int, sequence: [Int32], generated: Int, eos: Int32) {
        if generated < settings.minNewTokens { row[Int(eos)] = -.infinity }
        banRepeats(row, sequence: sequence, n: settings.noRepeatNgram)
    }
}

/// x − log Σ exp(x), in float32 like torch.log_softmax.
func logSoftmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var lse: Float = 0
    logsumexpRows(lse: &lse, logits: x, N: 1, V: n)
    for i in 0..<n { x[i] -= lse }
}

/// The k largest values with their indices, largest first (ties: lower index first).
func topK(_ x: UnsafePointer<Float>, _ n: Int, _ k: Int) -> [(Int, Float)] {
    var best: [(Int, Float)] = []
    best.reserveCapacity(k + 1)
    for i in 0..<n {
        let v = x[i]
        if best.count == k, let worst = best.last, v <= worst.1 { continue }
        var j = best.count
        while j > 0 && best[j - 1].1 < v { j -= 1 }
        best.insert((i, v), at: j)
        if best.count > k { best.removeLast() }
    }
    return best
}
