import Decoding
import Foundation
import JSON
import Models
import Support

/// Many prefixes on one frozen model: R requests for each of N prefix runs, decoded one run
/// after another (each run's requests in its own batches, as `generate --run` per run) and in
/// mixed batches (`generate --runs`), with the same batch size; the outputs must be equal.
/// Mixed batches win where each run has fewer requests than a batch holds (serving many users
/// or tasks), and tie where every run fills its batches alone.
public struct MixedBatchBench {
    public init() {}
    public var config = "gpt2"
    public var runs = 8
    public var requests = 2
    public var batch = 16
    public var promptLength = 40
    public var newTokens = 32
    /// Prefix lengths, cycled over the runs.
    public var prefixLengths = [5, 10, 20]
    public var repeats = 3
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        guard runs >= 1, requests >= 1, batch >= 1, promptLength >= 1, newTokens >= 1, repeats >= 1, !prefixLengths.isEmpty,
              prefixLengths.allSatisfy({ $0 >= 1 }) else { throw BenchError("every count must be at least 1") }
        guard runs <= 256, requests <= 1024, batch <= 1024, repeats <= 100 else {
            throw BenchError("at most 256 runs, 1024 requests per run, batch 1024 and 100 repeats")
        }
        let cfg = try benchConfig(config)
        guard let longest = prefixLengths.max(), promptLength + longest + newTokens <= cfg.nPositions else {
            throw BenchError("prompt + prefix + new tokens pass n_positions \(cfg.nPositions)")
        }
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
        // Keep eos out of reach so every output has exactly `newTokens` tokens.
        let eosRow = model.params[model.layout.wte + cfg.eosTokenId * cfg.nEmbd]
        for i in 0..<cfg.nEmbd { eosRow[i] = 0 }
        var rng = SplitMix64(seed: 7)
        let prefixes = (0..<runs).map { r -> Conditioning in
            let P = prefixLengths[r % prefixLengths.count]
            return .prefix(P: P, values: (0..<(P * 2 * cfg.nLayer * cfg.nEmbd)).map { _ in rng.nextNormal() })
        }
        let prompts = (0..<(runs * requests)).map { _ in (0..<promptLength).map { _ in Int32(rng.next() % UInt64(cfg.vocabSize - 1)) } }
        var s = GenerationSettings()
        s.maxNewTokens = newTokens
        // Run r's requests are prompts r·requests ..< (r+1)·requests.
        func sequential() -> [[Int32]] {
            (0..<runs).flatMap { r -> [[Int32]] in
                let mine = Array(prompts[(r * requests)..<((r + 1) * requests)])
                return stride(from: 0, to: requests, by: batch).flatMap {
                    GreedyDecoder(model: model, conditioning: prefixes[r], settings: s).generate(prompts: Array(mine[$0..<min(requests, $0 + batch)]))
                }
            }
        }
        func mixed() -> [[Int32]] {
            let perRun = requests
            let queue = prompts.indices.map { MixedDecoding.Request(run: $0 / perRun, prompt: prompts[$0]) }
            return MixedDecoding.decode(model: model, conditionings: prefixes, requests: queue, settings: s, batchSize: batch)
        }
        func timed(_ f: () -> [[Int32]]) -> (Double, [[Int32]]) {
            var result = f()
            var times: [Double] = []
            for _ in 0..<repeats {
                let t0 = now()
                result = f()
                times.append(now() - t0)
            }
            return (median(times), result)
        }
        let (tSeq, a) = timed(sequential)
        let (tMix, b) = timed(mixed)
        guard a == b else { throw BenchError("mixed batches decoded other tokens than the runs one by one") }
        let tokens = Double(prompts.count * newTokens)
        out(String(format: "%@: %d prefix runs (lengths %@), %d requests each, batch %d, prompt %d, %d new tokens, greedy",
                   config, runs, prefixLengths.map(String.init).joined(separator: "/"), requests, batch, promptLength, newTokens))
        out(String(format: "  one run after another: %8.1f tokens/s  (%.3f s)", tokens / tSeq, tSeq))
        out(String(format: "  mixed batches:         %8.1f tokens/s  (%.3f s)   %.2fx, outputs identical", tokens / tMix, tMix, tSeq / tMix))
        if json {
            out(JSONValue.object([("config", .string(config)), ("runs", .number(Double(runs))), ("requests", .number(Double(requests))),
                                  ("batch", .number(Double(batch))), ("sequential_tokens_per_s", .number(tokens / tSeq)),
                                  ("mixed_tokens_per_s", .number(tokens / tMix)), ("speedup", .number(tSeq / tMix))]).serialized)
        }
    }
}
