import Kernels
import Models
import Support

/// Greedy decoding (or sampling, with `settings.sample`) of many prompts at once on the KV cache: prompts left-padded, positions
/// counted from each prompt's first token (after a prefix, from P), one forward per new
/// token for the whole batch, every weight read serving every row.
public struct GreedyDecoder {
    public let model: any CausalLM
    public let conditioning: Conditioning
    public let settings: GenerationSettings

    public init(model: any CausalLM, conditioning: Conditioning = .none, settings: GenerationSettings) {
        self.model = model; self.conditioning = conditioning; self.settings = settings
    }

    /// New token ids of each prompt, eos excluded.
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
        let cfg = model.shape, V = cfg.vocabSize, eos = Int32(cfg.eosTokenId)
        let B = prompts.count
        guard B > 0 else { return [] }
        let batch = PromptBatch(prompts, conditioning: conditioning, eos: eos)
        let T = batch.T, lens = batch.lens
        let cache = model.makeCache(batch: B, capacity: conditioning.maxKVRows + T + conditioning.infixRows + settings.maxNewTokens)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: B * V)
        let last = UnsafeMutablePointer<Float>.allocate(capacity: B * cfg.width)
        defer { logits.deallocate(); last.deallocate() }
        var hidden = batch.run(model: model, conditioning: conditioning, blocks: blocks, cache: cache)
        var rowOfLast = (0..<B).map { $0 * T + T - 1 }
        conditioning.appendInfix(to: cache)  // after the prompt; the first token is still predicted at the eos
        var out = [[Int32]](repeating: [], count: B)
        var done = [Bool](repeating: false, count: B)
        var nextPos = batch.nextPositions(conditioning)
        // One generator per prompt, from the seed and the prompt itself: a prompt's sample does
        // not depend on which prompts share its batch.
        var rngs = prompts.map { p in SplitMix64(seed: p.reduce(settings.seed ^ 0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64(UInt32(bitPattern: $1))) &* 0x100_0000_01B3 }) }
        for step in 0..<settings.maxNewTokens {
            for b in 0..<B { (last + b * cfg.width).update(from: hidden + rowOfLast[b] * cfg.width, count: cfg.width) }
            model.logits(hidden: last, N: B, into: logits)
            var next = [Int32](repeating: eos, count: B)
            for b in 0..<B where !done[b] {
                let row = logits + b * V
                if step < settings.minNewTokens { row[Int(eos)] = -.infinity }
                if settings.noRepeatNgram > 0 {
                    // transformers sees the padded row (and, after inputs_embeds, only new tokens).
                    let seen = conditioning.virtualTokens(b) > 0 ? out[b] : [Int32](repeating: eos, count: T - lens[b]) + prompts[b] + out[b]
                    banRepeats(row, sequence: seen, n: settings.noRepeatNgram)
                }
                var best = 0
                if settings.sample {
                    best = Sampler.draw(row, V: V, settings: settings, rng: &rngs[b])
                } else {
                    for v in 1..<V where row[v] > row[best] { best = v }
                }
                next[b] = Int32(best)
                if Int32(best) == eos { done[b] = true } else { out[b].append(Int32(best)) }
            }
            if done.allSatisfy({ $0 }) || step == settings.maxNewTokens - 1 { break }
            hidden = model.forward(tokens: next, positions: nextPos, B: B, T: 1, cache: cache, blocks: blocks)
            rowOfLast = Array(0..<B)
            for b in 0..<B { nextPos[b] += 1 }
        }
        return out
    }
}

/// Sets to −∞ every token that would complete an n-gram already in `sequence`
/// (transformers' no_repeat_ngram_size).
func banRepeats(_ row: UnsafeMutablePointer<Float>, sequence: [Int32], n: Int) {
    guard n > 0, sequence.count >= n else { return }  // no whole n-gram yet: nothing to repeat
    let tail = Array(sequence.suffix(n - 1))
    for i in 0...(sequence.count - n) where Array(sequence[i..<(i + n - 1)]) == tail {
        row[Int(sequence[i + n - 1])] = -.infinity
    }
}
