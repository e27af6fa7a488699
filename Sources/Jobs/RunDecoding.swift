import Foundation
import Models
import Tuning

/// What a run generates with: its method's reading of its best checkpoint (else its last).
public enum RunDecoding {
    /// The checkpoint folder a run decodes with.
    public static func checkpoint(_ dir: String) throws -> String {
        let best = dir + "/checkpoints/best"
        if FileManager.default.fileExists(atPath: best) { return best }
        guard let last = CheckpointIO.steps(runDir: dir).last?.path else {
            throw JobError("\(dir): no checkpoint (a run from samples/ keeps no fine-tuned weights; `prefixlab run EXPERIMENT --only \((dir as NSString).lastPathComponent)` retrains it)")
        }
        return last
    }

    public static func setup(runDir dir: String) throws -> DecodingSetup {
        let record = try RunRecord.read(dir)
        let method = try MethodRegistry.method(record.spec.method)
        return try method.decoding(checkpoint: try checkpoint(dir), baseModel: record.spec.model)
    }
}
