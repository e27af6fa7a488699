#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// transformers' (5.x) beam-search bookkeeping for B inputs of K beams each, whatever the
/// model: the decoders (decoder-only and encoder-decoder) feed it each step's processed
/// log-probabilities and follow the reorder it returns.
///
/// Per input, K running beams (all but the first start at -1e9); each step adds every beam's
/// log-probabilities to its running score, keeps the best 2K candidates, continues the best K
/// that did not stop (eos, or the length limit), and offers the stopped ones among the first K
/// to the finished list at score / generated_length ^ length_penalty, keeping its best K. An
/// input stops when its best running beam, at the current length, can no longer beat the worst
/// finished one, when (with early stopping) its K finished slots are full, or when every
/// candidate stopped. The answer is the best finished sequence.
struct BeamSearchState {
    struct Beam { var tokens: [Int32]; var score: Float }

    let B: Int, K: Int, eos: Int32
    let lengthPenalty: Float
    let earlyStopping: Bool
    /// Generated tokens of each running beam (no prompt, no start token).
    private(set) var running: [[Beam]]
    private var finished: [[Beam]]
    private var finishedFlag: [[Bool]]
    private var open: [Bool]       // transformers' is_early_stop_heuristic_unsatisfied
    private(set) var active: [Bool]

    init(B: Int, K: Int, eos: Int32, lengthPenalty: Double, earlyStopping: Bool) {
        self.B = B; self.K = K; self.eos = eos; self.lengthPenalty = Float(lengthPenalty); self.earlyStopping = earlyStopping
        running = (0..<B).map { _ in (0..<K).map { Beam(tokens: [], score: $0 == 0 ? 0 : -1e9) } }
        finished = (0..<B).map { _ in [Beam](repeating: Beam(tokens: [], score: -1e9), count: K) }
        finishedFlag = [[Bool]](repeating: [Bool](repeating: false, count: K), count: B)
        open = [Bool](repeating: true, count: B)
        active = [Bool](repeating: true, count: B)
    }

    var isDone: Bool { !active.contains(true) }

    /// One step. `logprobs` (B·K, V): each running beam's processed log-probabilities of its
    /// next token (rows of inactive inputs are not read). `generatedAfter`: the generated length
    /// once this step's token is added (what the length penalty divides by); `atLimit`: this
    /// step's tokens reach the maximum length. Returns, per row, the row of the beam it
    /// continues and its new token.
    mutating func step(logprobs: UnsafePointer<Float>, V: Int, generatedAfter: Int, atLimit: Bool) -> (reorder: [Int], next: [Int32]) {
        var reorder = Array(0..<(B * K))
        var nextTokens = [Int32](repeating: eos, count: B * K)
        let lp = lengthPenalty
        for b in 0..<B where active[b] {
            // 2K best (beam, token) continuations over all K·V.
            var cands: [(score: Float, beam: Int, token: Int32, flat: Int)] = []
            for k in 0..<K {
                let base = running[b][k].score
                for (v, s) in topK(logprobs + (b * K + k) * V, V, 2 * K) { cands.append((s + base, k, Int32(v), k * V + v)) }
            }
            cands.sort { $0.score > $1.score || ($0.score == $1.score && $0.flat < $1.flat) }
            cands = Array(cands.prefix(2 * K))
            let hits = cands.map { $0.token == eos || atLimit }
            // Next running beams: the best K that did not stop.
            let runScores = cands.indices.map { cands[$0].score + (hits[$0] ? -1e9 : 0) }
            let order = cands.indices.sorted { runScores[$0] > runScores[$1] || (runScores[$0] == runScores[$1] && $0 < $1) }
            var newRunning: [Beam] = []
            for (j, i) in order.prefix(K).enumerated() {
                newRunning.append(Beam(tokens: running[b][cands[i].beam].tokens + [cands[i].token], score: runScores[i]))
                reorder[b * K + j] = b * K + cands[i].beam
                nextTokens[b * K + j] = cands[i].token
            }
            // Finished: stopped candidates among the first K, length-normalised.
            let full = earlyStopping && finishedFlag[b].allSatisfy { $0 }
            var merged = finished[b].enumerated().map { ($0.element, finishedFlag[b][$0.offset]) }
            for i in 0..<cands.count {
                let justFinished = hits[i] && i < K
                var s = cands[i].score / powf(Float(generatedAfter), lp)
                if full { s += -1e9 }
                if !open[b] { s += -1e9 }
                if !justFinished { s += -1e9 }
                merged.append((Beam(tokens: running[b][cands[i].beam].tokens + [cands[i].token], score: s), justFinished))
            }
            let keep = merged.indices.sorted { merged[$0].0.score > merged[$1].0.score || (merged[$0].0.score == merged[$1].0.score && $0 < $1) }.prefix(K)
            finished[b] = keep.map { merged[$0].0 }
            finishedFlag[b] = keep.map { merged[$0].1 }
            running[b] = newRunning
            // Can the best running beam still beat the worst finished one?
            let best = newRunning[0].score / powf(Float(generatedAfter), lp)
            let worstFinished = finished[b].map(\.score).min()!
            open[b] = open[b] && (0..<K).contains { best > (finishedFlag[b][$0] ? worstFinished : -1e9) }
            let nowFull = earlyStopping && finishedFlag[b].allSatisfy { $0 }
            if !open[b] || nowFull || hits.allSatisfy({ $0 }) { active[b] = false }
        }
        return (reorder, nextTokens)
    }

    /// Each input's best finished sequence, up to its first eos.
    var best: [[Int32]] { finished.map { f in Array(f[0].tokens.prefix { $0 != eos }) } }
}
