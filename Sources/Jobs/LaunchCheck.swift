import Foundation
import Models
import Specs
import Text
import Tuning

/// What the launch form checks before it queues a run, each problem under the spec key of the
/// field it belongs to: the model folder and its tokenizer read, the data files read, the
/// method fits the model, and the longest training or validation pair plus the method's
/// virtual positions fits n_positions (as training will check it). Reads config.json and the
/// tokenizer, never the weights, so the workbench can run it for any model size.
public enum LaunchCheck {
    public static func problems(_ spec: RunSpec) -> [String: String] {
        var problems: [String: String] = [:]
        func note(_ key: String, _ error: Error) { if problems[key] == nil { problems[key] = "\(error)" } }
        let method: (any TuningMethod)?
        do { method = try MethodRegistry.method(spec.method) } catch { note("method", error); method = nil }
        var summary: ModelSummary? = nil, tokenizer: BPETokenizer? = nil
        var encoderDecoder = false
        do {
            summary = try HFModelFolder.summary(spec.model)
            encoderDecoder = try HFModelFolder.isEncoderDecoder(spec.model)
            // The launch would fail at its start: say so beside the field instead.
            if encoderDecoder, let method, let refusal = PreparedRun.encoderDecoderRefusal(method, model: spec.model) { note("method", refusal) }
            if !FileManager.default.fileExists(atPath: spec.model + "/model.safetensors") {
                throw JobError("\(spec.model)/model.safetensors: missing")
            }
            tokenizer = try TokenizerFiles.load(folder: spec.model)
        } catch { note("model", error) }
        if let method, let summary {
            do { try method.check(against: summary) } catch { note(type(of: method).descriptor.lengthKey ?? "method", error) }
        }
        // An encoder-decoder's prefix rows take no positions.
        let extra = encoderDecoder ? 0 : method?.layout.extraPositions ?? 0
        let lengthKey = method.flatMap { type(of: $0).descriptor.lengthKey }
        for (key, path) in [("train", spec.train), ("valid", spec.valid), ("test", spec.test)] {
            guard let path else { continue }
            let dataset: Dataset
            do { dataset = try DatasetSpec.load(path) } catch { note(key, error); continue }
            guard let tokenizer, let summary else { continue }
            let limit = summary.shape.positions
            if key == "test" {
                let longest = dataset.examples.map { tokenizer.encode($0.source).count + (encoderDecoder ? 2 : 1) }.max() ?? 0
                if encoderDecoder ? max(longest, spec.evaluation.maxNewTokens + 1) > limit : longest + extra + spec.evaluation.maxNewTokens > limit {
                    problems[key] = "\(path): a source has \(longest) tokens; with \(extra) virtual and \(spec.evaluation.maxNewTokens) new tokens that passes n_positions \(limit)"
                }
                continue
            }
            let pairs = dataset.pairs
            if pairs.isEmpty { problems[key] = "\(path): contains no (source, reference) pairs"; continue }
            // Decoder-only layout: source + eos + target + eos after the virtual positions; an
            // encoder-decoder's: the longer of [<s>] source [</s>] and [<s>] target [</s>].
            var longest = (n: 0, tokens: 0)
            for (n, p) in pairs.enumerated() {
                let t = encoderDecoder ? max((method?.layout.leadingEmbeddings ?? 0) + tokenizer.encode(p.source).count, tokenizer.encode(p.target).count) + 2
                    : TokenizedExample(source: tokenizer.encode(p.source), target: tokenizer.encode(" " + p.target)).length
                if t > longest.tokens { longest = (n, t) }
            }
            if longest.tokens + extra > limit {
                let text = "\(path): pair \(longest.n + 1) needs \(longest.tokens + extra) positions (\(longest.tokens) tokens\(extra == 0 ? "" : " + \(extra) virtual")), more than n_positions \(limit)"
                problems[extra > 0 && longest.tokens <= limit ? (lengthKey ?? key) : key] = text
            }
        }
        return problems
    }
}
