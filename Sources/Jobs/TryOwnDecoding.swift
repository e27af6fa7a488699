import Decoding
import Foundation
import Models
import Tuning

/// The workbench's on-demand decoding (try your own, the attention view), greedy, with each
/// run's model loaded once. The prefix and embedding runs of one base model decode a source in
/// one mixed batch (one frozen model serving every shown prefix); fine-tuned, LoRA, adapter and
/// infix runs one by one. Not thread-safe: one caller thread (the shell's queue).
public final class TryOwnDecoding {
    public static let maxNewTokens = 64
    private var models: [String: LoadedModel] = [:]

    public init() {}

    func model(_ folder: String) throws -> LoadedModel {
        if let lm = models[folder] { return lm }
        let lm = try LoadedModel.load(folder)
        models[folder] = lm
        return lm
    }

    /// Each run's output for `source` (or "error: ..."), in the order they come.
    public func decode(source: String, runDirs: [(id: String, dir: String)], post: (String, String) -> Void) {
        var setups: [(id: String, setup: DecodingSetup)] = []
        for (id, dir) in runDirs {
            do { setups.append((id, try RunDecoding.setup(runDir: dir))) } catch { post(id, "error: \(error)") }
        }
        let mixable = setups.filter { $0.setup.conditioning.lora == nil && $0.setup.conditioning.adapters == nil && $0.setup.conditioning.infix == nil }
        let mixedIDs = Set(mixable.map(\.id))
        for folder in Set(mixable.map(\.setup.modelFolder)).sorted() {
            let group = mixable.filter { $0.setup.modelFolder == folder }
            do {
                for (id, text) in zip(group.map(\.id), try decode(source: source, model: folder, conditionings: group.map(\.setup.conditioning))) { post(id, text) }
            } catch { for r in group { post(r.id, "error: \(error)") } }
        }
        for r in setups where !mixedIDs.contains(r.id) {
            do { post(r.id, try decode(source: source, model: r.setup.modelFolder, conditionings: [r.setup.conditioning])[0]) } catch { post(r.id, "error: \(error)") }
        }
    }

    /// The attention view's numbers for one run.
    public func attention(source: String, run id: String, dir: String) throws -> AttentionInspection {
        let setup = try RunDecoding.setup(runDir: dir)
        return try AttentionInspection.inspect(run: id, setup: setup, source: source, maxNewTokens: Self.maxNewTokens, loaded: try model(setup.modelFolder))
    }

    /// One output per conditioning: a mixed batch when there are several (each a prefix or
    /// virtual embeddings), else the conditioning's own decoding (LoRA merged, adapters).
    func decode(source: String, model folder: String, conditionings: [Conditioning]) throws -> [String] {
        let lm = try model(folder)
        let prompt = lm.prompt(source), limit = lm.model.shape.positions
        let extra = conditionings.map(\.extraPositions).max() ?? 0
        guard prompt.count + extra + Self.maxNewTokens <= limit else {
            throw JobError("the source has \(prompt.count) tokens; with the run's virtual tokens and \(Self.maxNewTokens) new ones that passes n_positions \(limit)")
        }
        var s = GenerationSettings()
        s.beams = 1
        s.maxNewTokens = Self.maxNewTokens
        let out = conditionings.count == 1
            ? [Outputs.decode(model: lm.model, conditioning: conditionings[0], settings: s, prompts: [prompt], batchSize: 1)]
            : Outputs.decodeMixed(model: lm.model, conditionings: conditionings, settings: s, prompts: [prompt], batchSize: conditionings.count)
        return out.map { Outputs.text($0[0], tokenizer: lm.tokenizer) }
    }
}
