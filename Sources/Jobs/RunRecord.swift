import Foundation
import JSON
import Events
import Specs
import Support
import Tuning

/// A run folder's run.json as jobs read it: the spec under `config`, the group, the status.
/// run.json written before run specs existed (its `config` the old training config, the
/// model and data paths under `model` and `data`) reads too: its keys become a spec through
/// the same builder as flags, and keys of other methods are dropped as they always were.
public struct RunRecord {
    public let path: String
    public var id: String { (path as NSString).lastPathComponent }
    public let spec: RunSpec
    public let group: String?
    public let status: RunStatus?
    public let info: JSONValue

    public static func read(_ dir: String) throws -> RunRecord {
        let file = dir + "/run.json"
        guard let data = FileRead.contents(file) else { throw JobError("\(file): no such run (run.json missing)") }
        let info: JSONValue
        do { info = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw JobError("\(file): unreadable (\(error))") }
        guard info.object != nil, let config = info["config"], config.object != nil else { throw JobError("\(file): no \"config\" object") }
        var spec = config["learning_rate"] != nil ? try legacySpec(info, file: file) : try RunSpec.decode(config.serialized, context: file + ": config")
        guard let type = MethodRegistry.type(named: spec.method.name) else {
            throw JobError("\(file): config.method: unknown method \(Escaped(spec.method.name)); expected \(MethodRegistry.names.joined(separator: ", "))")
        }
        do { spec.method = try spec.method.resolved(by: type.descriptor, context: "config.method") } catch { throw JobError("\(file): \(error)") }
        return RunRecord(path: dir, spec: spec, group: info["group"]?.string, status: info["status"]?.string.flatMap(RunStatus.init), info: info)
    }

    /// The spec of a run.json from before specs: the old config's keys, renamed where they
    /// were renamed, and the evaluation flags of its recorded command line.
    static func legacySpec(_ info: JSONValue, file: String) throws -> RunSpec {
        let c = info["config"]!
        var b = RunSpecBuilder(methods: MethodRegistry.descriptors)
        func set(_ key: String, _ v: JSONValue?) throws {
            guard let v, v != .null else { return }
            let value: OptionValue
            if let s = v.string { value = .text(s) } else if let bool = v.bool { value = .flag(bool) }
            else if let n = v.number { value = n == n.rounded() && abs(n) < 1e15 ? .int(Int(n)) : .number(n) } else { return }
            try b.set(key, value: value, context: "\(file): config.\(key)")
        }
        try set("model", info["model"]?["path"])
        try set("train", info["data"]?["train"]?["path"])
        try set("valid", info["data"]?["valid"]?["path"])
        let m = c["method"]
        try set("method", m?["method"])
        for k in ["prefix_length", "reparam", "mid_dim"] { try set(k, m?[k]) }
        if let n = m?["train_top_layers"]?.int { try set("train_layers", .string("top:\(n)")) }
        for (old, new) in [("learning_rate", "lr"), ("schedule_length", "schedule_steps"), ("initialization", "init")] { try set(new, c[old]) }
        for k in ["weight_decay", "warmup_steps", "batch_size", "grad_accum", "epochs", "max_steps", "seed", "loss_reduction", "max_grad_norm",
                  "checkpoint_every", "keep_checkpoints", "eval_every", "early_stop", "dropout", "prefix_dropout"] { try set(k, c[k]) }
        if let copy = c["synthetic_copy"] {
            try set("copy_share", copy["share"])
            if let lo = copy["min_span"]?.int, let hi = copy["max_span"]?.int { try set("copy_span", .string("\(lo)-\(hi)")) }
        }
        // The evaluation settings lived only on the command line.
        let args = info["command_line"]?.array?.compactMap(\.string) ?? []
        for (flag, key) in [("--test", "test"), ("--eval-bleu", "eval_bleu"), ("--eval-beam", "eval_beam"), ("--eval-max-new-tokens", "eval_max_new_tokens")] {
            if let i = args.firstIndex(of: flag), i + 1 < args.count { try b.set(key, raw: args[i + 1], context: "\(file): command_line \(flag)") }
        }
        if args.contains("--eval-test") { try b.set("eval_test", value: .flag(true), context: file) }
        do { return try b.build() } catch let e as SpecError { throw JobError("\(file): \(e.description)") }
    }
}

extension RunFolder {
    /// Rewrites a run.json from before run specs with its spec under `config` (the same paths,
    /// as written); returns false when it already holds a spec.
    public static func migrate(_ dir: String) throws -> Bool {
        let record = try RunRecord.read(dir)
        guard record.info["config"]?["learning_rate"] != nil else { return false }
        let folder = try RunFolder.open(path: dir)
        try folder.update([("config", try JSONParser.parse(try record.spec.jsonText()))])
        return true
    }
}
