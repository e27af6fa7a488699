import ArgumentParser
import Foundation
import JSON
import Kernels
import Models

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Probes of what a base model can do.", subcommands: [ProbeCopy.self])
}

/// In-context copying (induction): a random span of tokens, then the same span again. A model
/// that copies predicts the second copy far better than the first; one that cannot, no
/// better. Prefix-tuning can only steer a model that copies from its context.
struct ProbeCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Loss and top-1 accuracy on the second copy of repeated random spans vs the first."
    )
    @Option(help: "Hugging Face GPT-2 folder.") var model: String
    @Option(name: .customLong("span-length")) var spanLength = 20
    @Option var spans = 64
    @Option var seed: UInt64 = 1
    @Option(help: "Draw tokens from ids below this (default: the whole vocabulary but eos).") var vocab: Int?
    @Flag var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let gpt = try HFModelFolder.load(model)
        let cfg = gpt.config, V = cfg.vocabSize, C = cfg.nEmbd
        let limit = min(vocab ?? (V - 1), V - 1)
        guard spanLength >= 2, 2 * spanLength + 1 <= cfg.nPositions, spans >= 1 else {
            throw CLIError("--span-length must be ≥ 2 and 2·span + 1 ≤ n_positions \(cfg.nPositions)")
        }
        var rng = SplitMix64(seed: seed)
        let T = 2 * spanLength + 1
        var firstNLL = 0.0, secondNLL = 0.0, firstHits = 0, secondHits = 0, count = 0
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { logits.deallocate() }
        for _ in 0..<spans {
            let span = (0..<spanLength).map { _ in Int32(rng.next() % UInt64(limit)) }
            let tokens = [Int32(cfg.eosTokenId)] + span + span
            let cache = KVCache(config: cfg, batch: 1, capacity: T)
            let h = gpt.forward(tokens: tokens, positions: (0..<T).map(Int32.init), B: 1, T: T, cache: cache)
            // Position t predicts token t+1; skip each copy's first token (nothing to copy yet).
            for t in 1..<(T - 1) where t != spanLength {
                gpt.logits(hidden: h + t * C, N: 1, into: logits)
                var lse: Float = 0
                logsumexpRows(lse: &lse, logits: logits, N: 1, V: V)
                let target = Int(tokens[t + 1])
                let nll = Double(lse - logits[target])
                let hit = rowMax(logits, V) == logits[target]
                if t < spanLength { firstNLL += nll; firstHits += hit ? 1 : 0 } else { secondNLL += nll; secondHits += hit ? 1 : 0; count += 1 }
            }
        }
        let n = Double(count)
        let r = (firstLoss: firstNLL / n, secondLoss: secondNLL / n, firstAcc: Double(firstHits) / n, secondAcc: Double(secondHits) / n)
        print(String(format: "copy probe (%d spans of %d tokens): first copy loss %.3f, top-1 %.3f; second copy loss %.3f, top-1 %.3f",
                     spans, spanLength, r.firstLoss, r.firstAcc, r.secondLoss, r.secondAcc))
        if json {
            print(JSONValue.object([("first_loss", .number(r.firstLoss)), ("first_top1", .number(r.firstAcc)),
                                    ("second_loss", .number(r.secondLoss)), ("second_top1", .number(r.secondAcc))]).serialized)
        }
    }
}
