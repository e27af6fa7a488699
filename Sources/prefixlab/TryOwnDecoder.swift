import Decoding
import Foundation
import Jobs
import Workbench
import Models
import Tuning

/// Decodes "try your own" sources for the Compare screen on its own thread, greedy, with each
/// run's model and conditioning (each model loaded once), and hands results to the main loop.
/// The prefix and embedding runs of one base model decode in one mixed batch (one frozen model
/// serving every shown prefix); fine-tuned, LoRA, adapter and infix runs one by one.
final class TryOwnDecoder: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(String, String)] = []
    private var maps: [AttentionMap] = []
    private var prefixViews: [PrefixMeaning] = []
    private var models: [String: LoadedModel] = [:]
    private let queue = DispatchQueue(label: "prefixlab.try-own")
    static let maxNewTokens = 64

    func submit(source: String, runDirs: [(id: String, dir: String)]) {
        queue.async { [self] in
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
    }

    private func post(_ id: String, _ text: String) {
        lock.lock(); results.append((id, text)); lock.unlock()
    }

    /// The attention view: each run's greedy decoding of `source` with its attention shares.
    func submitAttention(source: String, runDirs: [(id: String, dir: String)]) {
        queue.async { [self] in
            for (id, dir) in runDirs {
                var map = AttentionMap(run: id, source: source)
                do {
                    let setup = try RunDecoding.setup(runDir: dir)
                    let lm = try models[setup.modelFolder] ?? LoadedModel.load(setup.modelFolder)
                    models[setup.modelFolder] = lm
                    let a = try AttentionInspection.inspect(run: id, setup: setup, source: source, maxNewTokens: TryOwnDecoder.maxNewTokens, loaded: lm)
                    map.kind = a.virtualKind; map.rows = a.virtualRows; map.output = a.output; map.tokens = a.tokenTexts
                    map.shares = a.trace.tokens.indices.map { k in
                        (0..<a.trace.layers).map { l in
                            let m = a.layerShares(token: k, layer: l)
                            return AttentionShare(virtual: Double(m.virtual), source: Double(m.source), generated: Double(m.generated))
                        }
                    }
                } catch { map.error = "\(error)" }
                lock.lock(); maps.append(map); lock.unlock()
            }
        }
    }

    /// The prefix view: the run's rows against the vocabulary.
    func submitPrefix(run id: String, dir: String) {
        queue.async { [self] in
            var view = PrefixMeaning(run: id)
            do {
                let p = try PrefixInspection.inspect(runDir: dir, top: 6)
                view.kind = p.kind; view.initialization = p.initialization
                view.nearest = (0..<p.layers).map { l in (0..<p.rows).map { q in p.neighbours(layer: l, position: q).map { .init(token: $0.token, cosine: Double($0.cosine)) } } }
                view.moved = p.moved?.map { .init(word: $0.word, cosine: Double($0.cosine), relative: Double($0.relative)) }
            } catch { view.error = "\(error)" }
            lock.lock(); prefixViews.append(view); lock.unlock()
        }
    }

    func takePrefixViews() -> [PrefixMeaning] {
        lock.lock(); defer { prefixViews = []; lock.unlock() }
        return prefixViews
    }

    func takeAttention() -> [AttentionMap] {
        lock.lock(); defer { maps = []; lock.unlock() }
        return maps
    }

    func take() -> [(String, String)] {
        lock.lock(); defer { results = []; lock.unlock() }
        return results
    }

    /// One output per conditioning: a mixed batch when there are several (each a prefix or
    /// virtual embeddings), else the conditioning's own decoding (LoRA merged, adapters).
    private func decode(source: String, model folder: String, conditionings: [Conditioning]) throws -> [String] {
        let lm = try models[folder] ?? LoadedModel.load(folder)
        models[folder] = lm
        let prompt = lm.prompt(source), limit = lm.model.shape.positions
        let extra = conditionings.map(\.extraPositions).max() ?? 0
        guard prompt.count + extra + TryOwnDecoder.maxNewTokens <= limit else {
            throw JobError("the source has \(prompt.count) tokens; with the run's virtual tokens and \(TryOwnDecoder.maxNewTokens) new ones that passes n_positions \(limit)")
        }
        var s = GenerationSettings()
        s.beams = 1
        s.maxNewTokens = TryOwnDecoder.maxNewTokens
        let out = conditionings.count == 1
            ? [Outputs.decode(model: lm.model, conditioning: conditionings[0], settings: s, prompts: [prompt], batchSize: 1)]
            : Outputs.decodeMixed(model: lm.model, conditionings: conditionings, settings: s, prompts: [prompt], batchSize: conditionings.count)
        return out.map { Outputs.text($0[0], tokenizer: lm.tokenizer) }
    }
}
