import Foundation
import JSON
import Models
import Support
#if canImport(Glibc)
import Glibc
#endif

/// A run's checkpoints: `checkpoints/step-NNNNNN/` with state.json (step, optimizer step,
/// validation bookkeeping) and the method's tensors, which its `MethodState` writes and reads
/// (prefix-like methods: trainable.safetensors and prefix.safetensors; fine-tuning: model/
/// and optimizer.safetensors; docs/RUNS.md).
/// Each is written under a temporary name and renamed, so none is ever half-written. The
/// last `keepCheckpoints` are kept, plus the best by validation loss (`best` links to it).
public enum CheckpointIO {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public static func dirName(step: Int) -> String { "step-" + String(format: "%06d", step) }

    @discardableResult
    public static func save(_ trainer: Trainer, runDir: String, baseModelDir: String) throws -> String {
        let fm = FileManager.default
        let root = runDir + "/checkpoints"
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        let final = root + "/" + dirName(step: trainer.step)
        let tmp = root + "/.tmp-" + dirName(step: trainer.step)
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let tm = trainer.tm
        try tm.state.save(to: tmp, baseModelDir: baseModelDir)
        let state: JSONValue = .object([
            ("step", .number(Double(trainer.step))),
            ("optimizer_step", .number(Double(tm.optimizer.step))),
            ("method", .string(tm.method.name)),
            ("valid_loss", trainer.lastValidLoss.map { .number($0) } ?? .null),
            ("best_valid_loss", trainer.bestValidLoss.map { .number($0) } ?? .null),
            ("evals_without_improvement", .number(Double(trainer.evalsWithoutImprovement))),
            ("best_valid_score", trainer.bestValidScore.map { .number($0) } ?? .null),
            ("is_best", .bool(trainer.lastEvalWasBest)),
        ])
        try AtomicFile.write(Data((state.serialized + "\n").utf8), to: tmp + "/state.json")
        try? fm.removeItem(atPath: final)
        guard rename(tmp, final) == 0 else { throw Error(description: "\(final): cannot rename the checkpoint into place") }
        if trainer.lastEvalWasBest {
            try? fm.removeItem(atPath: root + "/best")
            try fm.createSymbolicLink(atPath: root + "/best", withDestinationPath: dirName(step: trainer.step))
        }
        try prune(root: root, keep: trainer.config.keepCheckpoints)
        return final
    }

    /// Step directories, oldest first.
    public static func steps(runDir: String) -> [(step: Int, path: String)] {
        let root = runDir + "/checkpoints"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { n in
            guard n.hasPrefix("step-"), let s = Int(n.dropFirst(5)) else { return nil }
            return (s, root + "/" + n)
        }.sorted { $0.step < $1.step }
    }

    static func prune(root: String, keep: Int) throws {
        let best = (try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/best")).map { root + "/" + $0 }
        let all = steps(runDir: (root as NSString).deletingLastPathComponent)
        for (_, path) in all.dropLast(max(1, keep)) where path != best {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    /// Loads a checkpoint's tensors and counters into a trainer built with the run's config.
    public static func load(_ trainer: Trainer, from dir: String) throws {
        let stateData = FileManager.default.contents(atPath: dir + "/state.json") ?? Data()
        let state: JSONValue
        do { state = try JSONParser.parse(bytes: [UInt8](stateData)) } catch {
            throw Error(description: "\(dir)/state.json: unreadable (\(error))")
        }
        guard let step = state["step"]?.int, let optStep = state["optimizer_step"]?.int else {
            throw Error(description: "\(dir)/state.json: missing step")
        }
        try trainer.tm.state.load(from: dir)
        trainer.restore(step: step, bestValidLoss: state["best_valid_loss"]?.number, bestValidScore: state["best_valid_score"]?.number,
                        evalsWithoutImprovement: state["evals_without_improvement"]?.int ?? 0, optimizerStep: optStep)
    }
}
