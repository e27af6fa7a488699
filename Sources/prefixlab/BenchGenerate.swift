import ArgumentParser
import Decoding
import Foundation
import JSON
import Kernels
import Models

struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generation speed: new tokens/s through a prefix pre-filled in the KV cache (random weights)."
    )
    @Option(help: "gpt2, gpt2-medium, ... or LAYERS:WIDTH:HEADS.") var config = "gpt2"
    @Option(help: "Beam size (1 = greedy).") var beam = 1
    @Option(help: "Prompts decoded together.") var batch = 1
    @Option(name: .customLong("prompt-length")) var promptLength = 40
    @Option(name: .customLong("new-tokens")) var newTokens = 32
    @Option(name: .customLong("prefix-length")) var prefixLength = 10
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 3
    @Flag var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let cfg = try benchConfig(config)
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
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
        func once() -> Int {
            let out = beam == 1 ? GreedyDecoder(model: model, conditioning: cond, settings: s).generate(prompts: prompts)
                                : BeamSearchDecoder(model: model, conditioning: cond, settings: s).generate(prompts: prompts)
            return out.reduce(0) { $0 + $1.count }
        }
        _ = once()
        var times: [Double] = [], made = 0
        for _ in 0..<repeats {
            let t0 = now()
            made = once()
            times.append(now() - t0)
        }
        let t = median(times)
        let tps = Double(batch * newTokens) / t
        print(String(format: "generate %@ beam %d batch %d, prompt %d + prefix %d, %d new tokens each, %d threads: %.2f s, %.1f new tokens/s (%d made)",
                     config, beam, batch, promptLength, prefixLength, newTokens, EngineThreads.count, t, tps, made))
        if json {
            print(JSONValue.object([("tokens_per_s", .number((tps * 100).rounded() / 100)), ("seconds", .number((t * 1000).rounded() / 1000))]).serialized)
        }
    }
}
