import Foundation
import JSON

/// An experiment file: one model and dataset, and the runs of an ablation group, listed and/or
/// swept (methods × prefix lengths × seeds). Each run becomes one `prefixlab train` command.
///
///     {"name": "e2e-ablation", "model": "...", "train": "...", "valid": "...", "test": "...",
///      "defaults": {"epochs": 5, "batch_size": 10},
///      "runs": [{"name": "finetune", "method": "finetune", "lr": 5e-5}, ...],
///      "sweep": {"base": {"method": "prefix", "lr": 8e-5}, "prefix_length": [1, 5, 10, 20], "seed": [1]}}
///
/// Keys of defaults, runs and sweep bases are `train` options with `_` for `-` (batch_size →
/// --batch-size); `true` is a bare flag. Relative paths are relative to the folder prefixlab
/// runs from.
public struct Experiment: Sendable {
    public struct Run: Sendable, Equatable {
        public var name: String
        public var options: [(String, String)]
        public static func == (a: Run, b: Run) -> Bool { a.name == b.name && a.options.map { $0.0 + "=" + $0.1 } == b.options.map { $0.0 + "=" + $0.1 } }
    }

    public var name: String
    public var model: String
    public var train: String
    public var valid: String?
    public var test: String?
    public var runs: [Run]

    public static func load(path: String) throws -> Experiment {
        guard let data = FileManager.default.contents(atPath: path) else { throw ExperimentError("\(path): cannot read") }
        let j: JSONValue
        do { j = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw ExperimentError("\(path): not valid JSON: \(error)") }
        return try parse(j, file: path)
    }

    public static func parse(_ j: JSONValue, file: String) throws -> Experiment {
        func str(_ k: String) throws -> String {
            guard let s = j[k]?.string, !s.isEmpty else { throw ExperimentError("\(file): \"\(k)\" (a string) is required") }
            return s
        }
        let name = try str("name")
        guard Workspace.isSafeRunID(name) else { throw ExperimentError("\(file): name \"\(name)\" must be letters, digits, - _ . only") }
        func options(_ v: JSONValue?, _ what: String) throws -> [(String, String)] {
            guard let v else { return [] }
            guard let o = v.object else { throw ExperimentError("\(file): \(what) must be an object") }
            return try o.map { k, x in
                if let s = x.string { return (k, s) }
                if let n = x.number { return (k, n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)) }
                if x == .bool(true) { return (k, "") }
                throw ExperimentError("\(file): \(what).\(k) must be a string, number or true")
            }
        }
        let defaults = try options(j["defaults"], "defaults")
        func merged(_ own: [(String, String)]) -> [(String, String)] {
            defaults.filter { d in !own.contains { $0.0 == d.0 } } + own
        }
        var runs: [Run] = []
        for (i, r) in (j["runs"]?.array ?? []).enumerated() {
            var own = try options(r, "runs[\(i)]")
            guard let n = own.first(where: { $0.0 == "name" })?.1, Workspace.isSafeRunID(n) else {
                throw ExperimentError("\(file): runs[\(i)] needs a \"name\" of letters, digits, - _ .")
            }
            own.removeAll { $0.0 == "name" }
            guard own.contains(where: { $0.0 == "method" }) || defaults.contains(where: { $0.0 == "method" }) else {
                throw ExperimentError("\(file): runs[\(i)] (\(n)) needs a \"method\"")
            }
            runs.append(Run(name: n, options: merged(own)))
        }
        if let sweep = j["sweep"] {
            let base = try options(sweep["base"], "sweep.base")
            let lengths = sweep["prefix_length"]?.array?.compactMap(\.int) ?? []
            let seeds = sweep["seed"]?.array?.compactMap(\.int) ?? []
            let methods = sweep["method"]?.array?.compactMap(\.string) ?? [base.first { $0.0 == "method" }?.1 ?? "prefix"]
            guard !lengths.isEmpty else { throw ExperimentError("\(file): sweep.prefix_length must list whole numbers") }
            for m in methods { for p in lengths { for s in (seeds.isEmpty ? [nil] : seeds.map { Optional($0) }) {
                let name = "\(m)-\(p)" + (s.map { seeds.count > 1 ? "-s\($0)" : "" } ?? "")
                if runs.contains(where: { $0.name == name }) { continue }  // listed explicitly already
                var own = base.filter { $0.0 != "method" } + [("method", m), ("prefix_length", String(p))]
                if let s { own.append(("seed", String(s))) }
                runs.append(Run(name: name, options: merged(own)))
            } } }
        }
        guard !runs.isEmpty else { throw ExperimentError("\(file): no runs (\"runs\" or \"sweep\")") }
        return Experiment(name: name, model: try str("model"), train: try str("train"), valid: j["valid"]?.string, test: j["test"]?.string, runs: runs)
    }

    /// The `prefixlab train` arguments of a run (without the executable). A run's own
    /// `model`, `train`, `valid` or `test` replaces the experiment's (low-data studies).
    public func trainArguments(_ run: Run, outDir: String) -> [String] {
        func own(_ k: String) -> String? { run.options.first { $0.0 == k }?.1 }
        var a = ["--model", own("model") ?? model, "--train", own("train") ?? train]
        if let valid = own("valid") ?? valid { a += ["--valid", valid] }
        if let test = own("test") ?? test { a += ["--test", test, "--eval-test"] }
        for (k, v) in run.options where !["model", "train", "valid", "test"].contains(k) {
            a.append("--" + k.replacingOccurrences(of: "_", with: "-"))
            if !v.isEmpty { a.append(v) }
        }
        return a + ["--group", name, "--out", outDir]
    }
}

public struct ExperimentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
