#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernels
import Models
import Support

/// Beam search as transformers (5.x) does it, for many prompts at once on the KV cache.
///
/// Per prompt, K running beams (all but the first start at -1e9); each step scores every
/// beam's log-softmax (float32, as torch) plus its running score, keeps the best 2K
/// candidates, continues the best K that did not stop (eos, or the length limit), and offers
/// the stopped ones among the first K to the finished list at score / generated_length ^
/// length_penalty, keeping its best K. A prompt stops when its best running beam, at the
/// current length, can no longer beat the worst finished one (early_stopping=False), or
/// every candidate stops. The answer is the best finished sequence.
public struct BeamSearchDecoder {
    public let model: any CausalLM
    public let conditioning: Conditioning
    public let settings: GenerationSettings

    public init(model: any CausalLM, conditioning: Conditioning = .none, settings: GenerationSettings) {
        self.model = model; self.conditioning = conditioning; self.settings = settings
    }

    struct Beam { var tokens: [Int32]; var score: Float }

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

        var running = (0..<B).map { _ in (0..<K).map { Beam(tokens: [], score: $0 == 0 ? 0 : -1e9) } }
        var finished = (0..<B).map { _ in [Beam](repeating: Beam(tokens: [], score: -1e9), count: K) }
        var finishedFlag = [[Bool]](repeating: [Bool](repeating: false, count: K), count: B)
        var open = [Bool](repeating: true, count: B)   // transformers' is_early_stop_heuristic_unsatisfied
        var active = [Bool](repeating: true, count: B)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: R * V)
        let last = UnsafeMutablePointer<Float>.allocate(capacity: R * C)
        defer { logits.deallocate(); last.deallocate() }
        let lp = Float(settings.lengthPenalty)

        var curLen = T
        while curLen < maxLength && active.contains(true) {
            for r in 0..<R { (last + r * C).update(from: hidden + lastRow[r] * C, count: C) }
            model.logits(hidden: last, N: R, into: logits)
            var reorder = Array(0..<R)
            var nextTokens = [Int32](repeating: eos, count: R)
            for b in 0..<B where active[b] {
                // 2K best (beam, token) continuations over all K·V.
                var cands: [(score: Float, beam: Int, token: Int32, flat: Int)] = []
                for k in 0..<K {
                    let row = logits + (b * K + k) * V
                    logSoftmaxInPlace(row, V)
                    applyProcessors(row, V: V, sequence: rowTokens[b * K + k], generated: curLen - T, eos: eos)
                    let base = running[b][k].score
                    for (v, s) in topK(row, V, 2 * K) { cands.append((s + base, k, Int32(v), k * V + v)) }
                }
                cands.sort { $0.score > $1.score || ($0.score == $1.score && $0.flat < $1.flat) }
                cands = Array(cands.prefix(2 * K))
                let hits = cands.map { $0.token == eos || curLen + 1 >= maxLength }
                // Next running beams: the best K that did not stop.
                let runScores = cands.indices.map { cands[$0].score + (hits[$0] ? -1e9 : 0) }
                let order = cands.indices.sorted { runScores[$0] > runScores[$1] || (runScores[$0] == runScores[$1] && $0 < $1) }
                var newRunning: [Beam] = []
                for (j, i) in order.prefix(K).enumerated() {
                    let src = running[b][cands[i].beam]
                    newRunning.append(Beam(tokens: src.tokens + [cands[i].token], score: runScores[i]))
                    reorder[b * K + j] = b * K + cands[i].beam
                    nextTokens[b * K + j] = cands[i].token
                }
                // Finished: stopped candidates among the first K, length-normalised.
                let genLen = Float(curLen + 1 - T)
                var merged = finished[b].enumerated().map { ($0.element, finishedFlag[b][$0.offset]) }
                for i in 0..<(2 * K) {
                    let justFinished = hits[i] && i < K
                    var s = cands[i].score / powf(genLen, lp)
                    if !open[b] { s += -1e9 }
                    if !justFinished { s += -1e9 }
                    merged.append((Beam(tokens: running[b][cands[i].beam].tokens + [cands[i].token], score: s), justFinished))
                }
                let keep = merged.indices.sorted { merged[$0].0.score > merged[$1].0.score || (merged[$0].0.score == merged[$1].0.score && $0 < $1) }.prefix(K)
                finished[b] = keep.map { merged[$0].0 }
                finishedFlag[b] = keep.map { merged[$0].1 }
                running[b] = newRunning
                // Can the best running beam still beat the worst finished one?
                let best = newRunning[0].score / powf(Float(curLen + 1 - T), lp)
                let worstFinished = finished[b].map(\.score).min()!
                open[b] = open[b] && (0..<K).contains { best > (finishedFlag[b][$0] ? worstFinished : -1e9) }
                if !open[b] || hits.allSatisfy({ $0 }) { active[b] = false }
            }
            curLen += 1
            guard curLen < maxLength && active.contains(true) else { break }
            cache.reorder(rows: reorder, fromPosition: Pkv + T + Pi)
            let before = rowTokens
            for r in 0..<R { rowTokens[r] = before[reorder[r]] + [nextTokens[r]] }
            var pos = [Int32](repeating: 0, count: R)
            for b in 0..<B { nextPos[b] += 1; for k in 0..<K { pos[b * K + k] = nextPos[b] - 1 } }
            hidden = model.forward(tokens: nextTokens, positions: pos, B: R, T: 1, cache: cache, blocks: blocks)
            lastRow = Array(0..<R)
        }
        return finished.map { f in
            let t = f[0].tokens
            return Array(t.prefix { $0 != eos })
        }
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
