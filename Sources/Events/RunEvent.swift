import JSON
import Support

/// What happens to a run, as the bus carries it and as events.jsonl stores it, one JSON object
/// per line: {"type": ..., "run": ..., "time": ..., ...fields}. docs/EVENTS.md describes the
/// format for engines outside this program.
public struct RunEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case queued
        case started(totalSteps: Int, method: String, trainableParams: Int)
        case step(StepFields)
        case validation(step: Int, loss: Double, metrics: [String: Double])
        case evaluation(split: String, metrics: [String: Double])
        /// Outputs of a split being generated: `done` of `total` sources.
        case generation(split: String, done: Int, total: Int)
        case sampleOutputs(step: Int, pairs: [SamplePair])
        case checkpoint(step: Int, path: String)
        case paused(step: Int)
        case resumed(step: Int)
        case finished(step: Int, outcome: String)
        case failed(step: Int, error: String)
        case log(String)
    }

    public struct StepFields: Sendable, Equatable {
        public var step: Int, totalSteps: Int, epoch: Int
        public var loss: Double, lr: Double, tokensPerS: Double, gradNorm: Double
        public init(step: Int, totalSteps: Int, epoch: Int, loss: Double, lr: Double, tokensPerS: Double, gradNorm: Double) {
            self.step = step; self.totalSteps = totalSteps; self.epoch = epoch; self.loss = loss; self.lr = lr
            self.tokensPerS = tokensPerS; self.gradNorm = gradNorm
        }
    }

    public struct SamplePair: Sendable, Equatable {
        public var source: String, output: String
        public init(source: String, output: String) { self.source = source; self.output = output }
    }

    public var run: String
    public var time: String
    public var kind: Kind

    public init(run: String, time: String = Timestamp.now(), _ kind: Kind) {
        self.run = run; self.time = time; self.kind = kind
    }

    public var isStep: Bool { if case .step = kind { return true }; return false }

    /// The event's fields after "type", "run" and "time".
    public var fields: (type: String, rest: [(String, JSONValue)]) {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        func metrics(_ m: [String: Double]) -> JSONValue { .object(m.keys.sorted().map { ($0, .number(m[$0]!)) }) }
        switch kind {
        case .queued: return ("queued", [])
        case let .started(total, method, params):
            return ("started", [("total_steps", n(total)), ("method", .string(method)), ("trainable_params", n(params))])
        case let .step(s):
            return ("step", [("step", n(s.step)), ("total_steps", n(s.totalSteps)), ("epoch", n(s.epoch)), ("loss", .number(s.loss)),
                             ("lr", .number(s.lr)), ("tokens_per_s", .number(s.tokensPerS)), ("grad_norm", .number(s.gradNorm))])
        case let .validation(step, loss, m): return ("validation", [("step", n(step)), ("loss", .number(loss)), ("metrics", metrics(m))])
        case let .evaluation(split, m): return ("evaluation", [("split", .string(split)), ("metrics", metrics(m))])
        case let .generation(split, done, total): return ("generation", [("split", .string(split)), ("done", n(done)), ("total", n(total))])
        case let .sampleOutputs(step, pairs):
            return ("samples", [("step", n(step)), ("outputs", .array(pairs.map { .object([("source", .string($0.source)), ("output", .string($0.output))]) }))])
        case let .checkpoint(step, path): return ("checkpoint", [("step", n(step)), ("path", .string(path))])
        case let .paused(step): return ("paused", [("step", n(step))])
        case let .resumed(step): return ("resumed", [("step", n(step))])
        case let .finished(step, outcome): return ("finished", [("step", n(step)), ("outcome", .string(outcome))])
        case let .failed(step, error): return ("failed", [("step", n(step)), ("error", .string(error))])
        case let .log(message): return ("log", [("message", .string(message))])
        }
    }

    /// One line of events.jsonl (without the newline).
    public var jsonLine: String {
        let f = fields
        return JSONValue.object([("type", .string(f.type)), ("run", .string(run)), ("time", .string(time))] + f.rest).serialized
    }

    /// Reads one events.jsonl line; nil for a line that is not an event this program knows
    /// (unknown types are skipped, so newer writers do not break older readers).
    public init?(jsonLine line: String) {
        guard let v = try? JSONParser.parse(line), let type = v["type"]?.string, let run = v["run"]?.string else { return nil }
        func i(_ k: String) -> Int { v[k]?.int ?? 0 }
        func d(_ k: String) -> Double { v[k]?.number ?? .nan }
        func metrics() -> [String: Double] {
            var m: [String: Double] = [:]
            for (k, x) in v["metrics"]?.object ?? [] { if let n = x.number { m[k] = n } }
            return m
        }
        let kind: Kind
        switch type {
        case "queued": kind = .queued
        case "started": kind = .started(totalSteps: i("total_steps"), method: v["method"]?.string ?? "", trainableParams: i("trainable_params"))
        case "step":
            guard v["step"]?.int != nil, v["loss"]?.number != nil else { return nil }
            kind = .step(StepFields(step: i("step"), totalSteps: i("total_steps"), epoch: i("epoch"), loss: d("loss"), lr: d("lr"),
                                    tokensPerS: d("tokens_per_s"), gradNorm: d("grad_norm")))
        case "validation": kind = .validation(step: i("step"), loss: d("loss"), metrics: metrics())
        case "evaluation": kind = .evaluation(split: v["split"]?.string ?? "", metrics: metrics())
        case "generation": kind = .generation(split: v["split"]?.string ?? "", done: i("done"), total: i("total"))
        case "samples":
            kind = .sampleOutputs(step: i("step"), pairs: (v["outputs"]?.array ?? []).map {
                SamplePair(source: $0["source"]?.string ?? "", output: $0["output"]?.string ?? "")
            })
        case "checkpoint": kind = .checkpoint(step: i("step"), path: v["path"]?.string ?? "")
        case "paused": kind = .paused(step: i("step"))
        case "resumed": kind = .resumed(step: i("step"))
        case "finished": kind = .finished(step: i("step"), outcome: v["outcome"]?.string ?? "completed")
        case "failed": kind = .failed(step: i("step"), error: v["error"]?.string ?? "")
        case "log": kind = .log(v["message"]?.string ?? "")
        default: return nil
        }
        self.init(run: run, time: v["time"]?.string ?? "", kind)
    }
}
