import Foundation
import JSON
import Jobs
import Specs
import Support
import Tuning

/// An experiment file: one model and dataset, and the runs of an ablation group, listed and/or
/// swept (methods × prefix lengths × seeds). Each run becomes one run spec.
///
///     {"name": "e2e-ablation", "model": "...", "train": "...", "valid": "...", "test": "...",
///      "defaults": {"epochs": 5, "batch_size": 10},
///      "runs": [{"name": "finetune", "method": "finetune", "lr": 5e-5}, ...],
///      "sweep": {"base": {"method": "prefix", "lr": 8e-5}, "prefix_length": [1, 5, 10, 20], "seed": [1]}}
///
/// The keys of defaults, runs and sweep bases are a closed set: the run spec's keys
/// (`RunSpecBuilder.settings`), `method`, and the methods' options (docs/RUNS.md); anything
/// else is refused, naming the key. A run's own `model`, `train`, `valid` or `test` replaces
/// the experiment's (low-data studies). Relative paths are relative to the folder prefixlab
/// runs from. A run with test data is evaluated on it at the end (`eval_test`) unless it says
/// `"eval_test": false`.
public struct Experiment: Sendable {
    public struct Run: Sendable, Equatable {
        public var name: String
        public var spec: RunSpec
    }

    public var name: String
    public var model: String
    public var train: String
    public var valid: String?
    public var test: String?
    public var runs: [Run]
    /// `"engine": "torch"` (and a `"launcher"`, `"device"`, `"precision"`): the PyTorch runner
    /// trains every run.
    public var engine: EngineChoice? = nil

    static let topLevelKeys: Set<String> = ["name", "description", "model", "train", "valid", "test", "defaults", "runs", "sweep", "engine", "launcher", "device", "precision"]
    static let sweepKeys: Set<String> = ["base", "method", "prefix_length", "seed"]

    public static func load(path: String, methods: [MethodDescriptor] = MethodRegistry.descriptors) throws -> Experiment {
        guard let data = FileRead.contents(path) else { throw ExperimentError("\(path): cannot read") }
        let j: JSONValue
        do { j = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw ExperimentError("\(path): not valid JSON: \(error)") }
        return try parse(j, file: path, methods: methods)
    }

    public static func parse(_ j: JSONValue, file: String, methods: [MethodDescriptor] = MethodRegistry.descriptors) throws -> Experiment {
        guard let top = j.object else { throw ExperimentError("\(file): expected a JSON object") }
        if let k = top.map(\.0).first(where: { !topLevelKeys.contains($0) }) {
            throw ExperimentError("\(file): unknown key \"\(Escaped(k))\" (keys: \(topLevelKeys.sorted().joined(separator: ", ")))")
        }
        func str(_ k: String) throws -> String {
            guard let s = j[k]?.string, !s.isEmpty else { throw ExperimentError("\(file): \"\(k)\" (a string) is required") }
            return s
        }
        let name = try str("name")
        guard Workspace.isSafeRunID(name) else { throw ExperimentError("\(file): name \"\(Escaped(name))\" must be letters, digits, - _ . only") }
        let probe = RunSpecBuilder(methods: methods)
        func keys(_ v: JSONValue?, _ what: String, allowName: Bool = false) throws -> [(String, OptionValue)] {
            guard let v else { return [] }
            guard let o = v.object else { throw ExperimentError("\(file): \(what) must be an object") }
            return try o.compactMap { k, x in
                if k == "name" && allowName { return nil }
                guard probe.descriptor(k) != nil else {
                    throw ExperimentError("\(file): \(what).\(Escaped(k)): unknown key (the keys of a run are documented in docs/RUNS.md)")
                }
                if let s = x.string { return (k, .text(s)) }
                if let b = x.bool { return (k, .flag(b)) }
                if let n = x.number { return (k, n == n.rounded() && abs(n) < 1e15 ? .int(Int(n)) : .number(n)) }
                throw ExperimentError("\(file): \(what).\(k) must be a string, number or true/false")
            }
        }
        let experiment = try [("model", str("model")), ("train", str("train"))] + ["valid", "test"].compactMap { k in j[k]?.string.map { (k, $0) } }
        let defaults = try keys(j["defaults"], "defaults")
        var runs: [Run] = []
        func add(_ runName: String, _ own: [(String, OptionValue)], _ what: String) throws {
            guard Workspace.isSafeRunID(runName) else { throw ExperimentError("\(file): \(what): run name \"\(Escaped(runName))\" must be letters, digits, - _ . only") }
            guard !runs.contains(where: { $0.name == runName }) else { throw ExperimentError("\(file): \(what): a run named \(runName) is listed twice") }
            var b = RunSpecBuilder(methods: methods)
            let context = "\(file): \(what) (\(runName))"
            for (k, v) in experiment { try b.set(k, value: .text(v), context: "\(file): \(k)") }
            if j["test"]?.string != nil || own.contains(where: { $0.0 == "test" }) { try b.set("eval_test", value: .flag(true), context: context) }
            for (k, v) in defaults + own { try b.set(k, value: v, context: "\(context).\(k)") }
            guard b.value("method") != nil else { throw ExperimentError("\(context) needs a \"method\"") }
            do { runs.append(Run(name: runName, spec: try b.build())) } catch let e as SpecError {
                throw ExperimentError(e.description.hasPrefix(file) ? e.description : "\(context): \(e.description)")
            }
        }
        for (i, r) in (j["runs"]?.array ?? []).enumerated() {
            guard let n = r["name"]?.string else { throw ExperimentError("\(file): runs[\(i)] needs a \"name\" of letters, digits, - _ .") }
            try add(n, try keys(r, "runs[\(i)]", allowName: true), "runs[\(i)]")
        }
        if let sweep = j["sweep"] {
            if let k = sweep.object?.map(\.0).first(where: { !sweepKeys.contains($0) }) {
                throw ExperimentError("\(file): sweep.\(Escaped(k)): unknown key (sweep keys: \(sweepKeys.sorted().joined(separator: ", ")))")
            }
            let base = try keys(sweep["base"], "sweep.base")
            func ints(_ k: String) throws -> [Int] {
                guard let v = sweep[k] else { return [] }
                guard let a = v.array, a.allSatisfy({ $0.int != nil }) else { throw ExperimentError("\(file): sweep.\(k) must list whole numbers") }
                return a.map { $0.int! }
            }
            let lengths = try ints("prefix_length"), seeds = try ints("seed")
            guard !lengths.isEmpty else { throw ExperimentError("\(file): sweep.prefix_length must list whole numbers") }
            let baseMethod = base.first { $0.0 == "method" }?.1.text ?? "prefix"
            let sweptMethods = try sweep["method"].map { v -> [String] in
                guard let a = v.array?.compactMap(\.string), a.count == v.array?.count else { throw ExperimentError("\(file): sweep.method must list method names") }
                return a
            } ?? [baseMethod]
            for m in sweptMethods where !methods.contains(where: { $0.name == m }) {
                throw ExperimentError("\(file): sweep.method \(Escaped(m)): unknown method; expected \(methods.map(\.name).joined(separator: ", "))")
            }
            for m in sweptMethods { for p in lengths { for s in (seeds.isEmpty ? [nil] : seeds.map { Optional($0) }) {
                let runName = "\(m)-\(p)" + (s.map { seeds.count > 1 ? "-s\($0)" : "" } ?? "")
                if runs.contains(where: { $0.name == runName }) { continue }  // listed explicitly already
                var own = base.filter { $0.0 != "method" } + [("method", OptionValue.text(m)), ("prefix_length", .int(p))]
                if let s { own.append(("seed", .int(s))) }
                try add(runName, own, "sweep")
            } } }
        }
        guard !runs.isEmpty else { throw ExperimentError("\(file): no runs (\"runs\" or \"sweep\")") }
        var exp = Experiment(name: name, model: try str("model"), train: try str("train"), valid: j["valid"]?.string, test: j["test"]?.string, runs: runs)
        for key in ["engine", "launcher", "device", "precision"] where j[key] != nil && j[key]?.string == nil {
            throw ExperimentError("\(file): \(key): expected a string")
        }
        do {
            exp.engine = try EngineChoice.build(engine: j["engine"]?.string, launcher: j["launcher"]?.string, device: j["device"]?.string,
                                                precision: j["precision"]?.string, spelled: { $0 })
        } catch { throw ExperimentError("\(file): \(error)") }
        return exp
    }

    /// The `prefixlab train` arguments of a run (without the executable): what `--dry-run`
    /// prints and run.json records as the run's command line.
    public func trainArguments(_ run: Run, outDir: String) -> [String] {
        run.spec.commandLine + (engine?.arguments ?? []) + ["--group", name, "--out", outDir]
    }
}

public struct ExperimentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
