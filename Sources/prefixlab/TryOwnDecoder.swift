import Decoding
import Foundation
import Models
import Text

/// Decodes "try your own" sources for the Compare screen on its own thread, greedy, with each
/// run's model and conditioning (loaded once per run), and hands results to the main loop.
final class TryOwnDecoder: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [(String, String)] = []
    private var models: [String: GPT2Model] = [:]
    private var tokenizers: [String: BPETokenizer] = [:]
    private let queue = DispatchQueue(label: "prefixlab.try-own")

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
        let (modelDir, conditioning) = try runConditioning(runDir: runDir)
        let model = try models[modelDir] ?? HFModelFolder.load(modelDir)
        models[modelDir] = model
        let tok = try tokenizers[modelDir] ?? TokenizerFiles.load(folder: modelDir)
        tokenizers[modelDir] = tok
        var s = GenerationSettings()
        s.beams = 1
        s.maxNewTokens = 64
        let out = decodeAll(model: model, conditioning: conditioning, settings: s, prompts: [tok.encode(source) + [tok.eosId]], batchSize: 1)
        return outputText(out[0], tokenizer: tok)
    }
}
