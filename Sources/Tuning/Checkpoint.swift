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

    /// Removes old checkpoints: each is first renamed out of the `step-` names, so a kill
    /// while it is being deleted never leaves a checkpoint that looks whole but is not.
    static func prune(root: String, keep: Int) throws {
        let fm = FileManager.default
        let best = (try? fm.destinationOfSymbolicLink(atPath: root + "/best")).map { root + "/" + $0 }
        let all = steps(runDir: (root as NSString).deletingLastPathComponent)
        for (step, path) in all.dropLast(max(1, keep)) where path != best {
            let trash = root + "/.trash-" + dirName(step: step)
            guard rename(path, trash) == 0 else { throw Error(description: "\(path): cannot move the old checkpoint away (\(String(cString: strerror(errno))))") }
            try fm.removeItem(atPath: trash)
        }
        removeLeftovers(root: root)
    }

    /// Half-written (`.tmp-`) and half-deleted (`.trash-`) folders a crash left behind.
    public static func removeLeftovers(root: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for n in names where n.hasPrefix(".trash-") || n.hasPrefix(".tmp-") { try? FileManager.default.removeItem(atPath: root + "/" + n) }
    }

    /// Loads a checkpoint's tensors and counters into a trainer built with the run's config.
    public static func load(_ trainer: Trainer, from dir: String) throws {
        guard let stateData = FileRead.contents(dir + "/state.json") else {
            throw Error(description: "\(dir)/state.json: missing")
        }
        let state: JSONValue
        do { state = try JSONParser.parse(bytes: [UInt8](stateData)) } catch {
            throw Error(description: "\(dir)/state.json: unreadable (\(error))")
        }
        guard let step = state["step"]?.int, let optStep = state["optimizer_step"]?.int else {
            throw Error(description: "\(dir)/state.json: missing step")
        }
        guard step >= 1, step <= 1_000_000_000, optStep >= 0, optStep <= step, (state["evals_without_improvement"]?.int ?? 0) >= 0 else {
            throw Error(description: "\(dir)/state.json: step \(step), optimizer_step \(optStep): expected 1 ≤ step ≤ 10^9 and 0 ≤ optimizer_step ≤ step")
        }
        guard (dir as NSString).lastPathComponent == dirName(step: step) || (dir as NSString).lastPathComponent == "best" else {
            throw Error(description: "\(dir)/state.json: step \(step) is not this checkpoint's (\((dir as NSString).lastPathComponent))")
        }
        try trainer.tm.state.load(from: dir)
        trainer.restore(step: step, bestValidLoss: state["best_valid_loss"]?.number, bestValidScore: state["best_valid_score"]?.number,
                        evalsWithoutImprovement: state["evals_without_improvement"]?.int ?? 0, optimizerStep: optStep)
    }
}
