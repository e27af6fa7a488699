import Decoding
import Foundation
import JSON
import Kernels
import Models
import Support

public struct GenerateBench {
    public init() {}
    public var config = "gpt2"
    public var beam = 1
    public var batch = 1
    public var promptLength = 40
    public var newTokens = 32
    public var prefixLength = 10
    public var repeats = 3
    public var weights: String = "f32"
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        if let bart = BARTConfig.official[config] { return try runBART(bart, out) }
        let cfg = try benchConfig(config)
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
        guard let precision = DecodingPrecision(rawValue: weights) else { throw BenchError("--weights \(weights): expected f32 or f16") }
        model.decodingPrecision = precision
        // Keep eos out of reach so every run makes exactly `newTokens` tokens.
        let eosRow = model.params[model.layout.wte + cfg.eosTokenId * cfg.nEmbd]
        for i in 0..<cfg.nEmbd { eosRow[i] = 0 }
        var rng = SplitMix64(seed: 7)
        let prompts = (0..<batch).map { _ in (0..<promptLength).map { _ in Int32(rng.next() % UInt64(cfg.vocabSize - 1)) } }
        let prefix = (0..<(prefixLength * 2 * cfg.nLayer * cfg.nEmbd)).map { _ in rng.nextNormal() }
        var s = GenerationSettings()
        s.maxNewTokens = newTokens
        s.beams = beam
        let cond = Conditioning.prefix(P: prefixLength, values: prefix)
        func once(_ s: GenerationSettings) -> Int {
            let out = s.beams == 1 ? GreedyDecoder(model: model, conditioning: cond, settings: s).generate(prompts: prompts)
                                : BeamSearchDecoder(model: model, conditioning: cond, settings: s).generate(prompts: prompts)
            return out.reduce(0) { $0 + $1.count }
        }
        func timed(_ s: GenerationSettings) -> (Double, Int) {
            _ = once(s)
            var times: [Double] = [], made = 0
            for _ in 0..<repeats {
                let t0 = now()
                made = once(s)
                times.append(now() - t0)
            }
            return (median(times), made)
        }
        let (t, made) = timed(s)
        // The same with one new token: the prompt's prefill plus one step. The difference is
        // the decoding steps alone, which is what the bandwidth bound applies to.
        var one = s
        one.maxNewTokens = 1
        let (t1, _) = timed(one)
        let stepTime = (t - t1) / Double(max(1, newTokens - 1))
        let tps = Double(batch * newTokens) / t
        // One decoding step reads every weight once: bandwidth / bytes per step bounds steps/s.
        let bw = measureReadBandwidth()
        let bytesPerStep = Double(model.layout.total * (precision == .f16 ? 2 : 4))
        let bound = bw / bytesPerStep
        let steps = 1 / stepTime
        out(String(format: "read bandwidth %.1f GB/s; %.0f MB of weights a step → at most %.1f steps/s; decoding steps alone (prefill excluded): %.1f steps/s (%.0f%% of the bound)",
                     bw / 1e9, bytesPerStep / 1e6, bound, steps, 100 * steps / bound))
        out(String(format: "generate %@ beam %d batch %d, %@ weights, prompt %d + prefix %d, %d new tokens each, %d threads: %.2f s, %.1f new tokens/s (%d made)",
                     config, beam, batch, weights, promptLength, prefixLength, newTokens, EngineThreads.count, t, tps, made))
        if json {
            out(JSONValue.object([("tokens_per_s", .number((tps * 100).rounded() / 100)), ("seconds", .number((t * 1000).rounded() / 1000)),
                                    ("read_gb_per_s", .number((bw / 1e7).rounded() / 100)), ("steps_per_s_bound", .number((bound * 100).rounded() / 100)),
                                    ("steps_per_s", .number((steps * 100).rounded() / 100)), ("prefill_seconds", .number(((t1 - stepTime) * 1000).rounded() / 1000))]).serialized)
        }
    }

    /// BART: `batch` random documents of `promptLength` tokens, beam search (or greedy) with the
    /// forced </s> at the last position and </s> kept out of reach before it, so every
    /// document makes `newTokens` tokens; tools/bench_torch.py does the same with transformers.
    func runBART(_ cfg: BARTConfig, _ out: (String) -> Void) throws {
        var rng = SplitMix64(seed: 1)
        let model = randomBART(cfg, rng: &rng)
        model.params.base[model.layout.logitsBias + cfg.eosTokenId] = -100
        let documents = (0..<batch).map { _ in (0..<promptLength).map { _ in Int32(4 + rng.next() % UInt64(cfg.vocabSize - 5)) } }
        var s = GenerationSettings()
        s.maxNewTokens = newTokens
        s.beams = beam
        let decoder = Seq2SeqDecoder(model: model, settings: s)
        _ = decoder.generate(documents: documents)
        var times: [Double] = [], made = 0
        for _ in 0..<repeats {
            let t0 = now()
            made = decoder.generate(documents: documents).reduce(0) { $0 + $1.count + 1 }  // + the forced </s>
            times.append(now() - t0)
        }
        let t = median(times), tps = Double(batch * newTokens) / t
        out(String(format: "generate %@ beam %d batch %d, documents of %d tokens, %d new tokens each (%d made), %d threads: %.2f s, %.1f new tokens/s",
                   config, beam, batch, promptLength, newTokens, made, EngineThreads.count, t, tps))
        if json { out(JSONValue.object([("tokens_per_s", .number((tps * 100).rounded() / 100)), ("seconds", .number((t * 1000).rounded() / 1000))]).serialized) }
    }
}
