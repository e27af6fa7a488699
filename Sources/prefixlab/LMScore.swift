import ArgumentParser
import Foundation
import JSON
import Jobs
import Models
import Text

struct LMScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm-score",
        abstract: "Negative log-likelihood of each target given its source.",
        discussion: """
        Each line of the pairs file is {"source": ..., "target": ...} (or XSUM's {"document", \
        "summary"}). GPT-2: the sequence is encode(source) + [eos] + encode(" " + target) + \
        [eos]; the target tokens and the final eos are scored. BART: the encoder reads [<s>] + \
        encode(source) + [</s>], the labels are [<s>] + encode(target) + [</s>], the decoder \
        reads [</s>] + labels[:-1], and every label token is scored.
        """
    )

    @Option(help: "Hugging Face GPT-2 or BART folder (config.json, model.safetensors, vocab.json + merges.txt or tokenizer.json).")
    var model: String
    @Option(help: "A PEFT adapter folder (prefix or prompt tuning).")
    var adapter: String?
    @Option(help: "JSONL file of {\"source\", \"target\"} pairs.")
    var pairs: String
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let scores = try ScoringJob.score(model: model, adapter: adapter, pairs: try PairsFile.read(path: pairs), pairsPath: pairs)
        let totalNLL = scores.reduce(0) { $0 + $1.nllSum }
        let totalTokens = scores.reduce(0) { $0 + $1.nTokens }
        if json {
            let examples: [JSONValue] = scores.map {
                .object([("nll_sum", .number($0.nllSum)), ("nll_mean", .number($0.nllMean)), ("n_tokens", .number(Double($0.nTokens)))])
            }
            print(JSONValue.object([("examples", .array(examples)), ("mean_nll", .number(totalNLL / Double(totalTokens)))]).serialized)
        } else {
            print("example  n_tokens  nll_sum      nll_mean")
            for (i, s) in scores.enumerated() {
                print(String(format: "%7d  %8d  %11.4f  %8.4f", i + 1, s.nTokens, s.nllSum, s.nllMean))
            }
            print(String(format: "mean NLL %.4f nats/token over %d tokens (perplexity %.2f)",
                         totalNLL / Double(totalTokens), totalTokens, exp(totalNLL / Double(totalTokens))))
        }
    }
}

/// A user-facing error: main prints its message as one line and exits non-zero.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
