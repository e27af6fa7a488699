import Decoding
import Foundation
import Jobs

/// Decodes "try your own" sources for the Compare screen on its own thread, greedy, with each
/// run's model and conditioning (each model loaded once), and hands results to the main loop.
final class TryOwnDecoder: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(String, String)] = []
    private var models: [String: LoadedModel] = [:]
    private let queue = DispatchQueue(label: "prefixlab.try-own")
    static let maxNewTokens = 64

    func submit(source: String, runDirs: [(id: String, dir: String)]) {
        queue.async { [self] in
            for (id, dir) in runDirs {
                let text: String
                do { text = try decode(source: source, runDir: dir) } catch { text = "error: \(error)" }
                lock.lock(); results.append((id, text)); lock.unlock()
            }
        }
    }

    func take() -> [(String, String)] {
        lock.lock(); defer { results = []; lock.unlock() }
        return results
    }

    private func decode(source: String, runDir: String) throws -> String {
        let setup = try RunDecoding.setup(runDir: runDir)
        let lm = try models[setup.modelFolder] ?? LoadedModel.load(setup.modelFolder)
        models[setup.modelFolder] = lm
        let prompt = lm.prompt(source), limit = lm.model.shape.positions
        guard prompt.count + setup.conditioning.extraPositions + TryOwnDecoder.maxNewTokens <= limit else {
            throw JobError("the source has \(prompt.count) tokens; with the run's virtual tokens and \(TryOwnDecoder.maxNewTokens) new ones that passes n_positions \(limit)")
        }
        var s = GenerationSettings()
        s.beams = 1
        s.maxNewTokens = TryOwnDecoder.maxNewTokens
        let out = Outputs.decode(model: lm.model, conditioning: setup.conditioning, settings: s, prompts: [prompt], batchSize: 1)
        return Outputs.text(out[0], tokenizer: lm.tokenizer)
    }
}
