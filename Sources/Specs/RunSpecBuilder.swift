import Support

/// Builds a `RunSpec` from keys and values, wherever they come from: `train` flags
/// (`--batch-size 10`), experiment files (`"batch_size": 10`), the launch form. One table of
/// keys (`settings`, plus each method's options) checks them all, so a flag, an experiment key
/// and a form field are refused with the same message and range.
public struct RunSpecBuilder: Sendable {
    /// Every key that is not a method option, with its type, range and default.
    public static let settings: [OptionDescriptor] = [
        .init("model", .text, default: nil, help: "Hugging Face model folder"),
        .init("train", .text, default: nil, help: "training data: a dataset spec (JSONL pairs, E2E CSV, WebNLG folder:split, DART JSON)"),
        .init("valid", .text, default: nil, help: "validation data: a dataset spec"),
        .init("test", .text, default: nil, help: "test data: a dataset spec, for eval_test"),
        .init("preset", .choice(presetNames), default: nil, help: "the paper's settings for prefix-tuning (explicit keys override)"),
        .init("lr", .number(min: 0, max: 10, openMin: true, openMax: false), default: .number(5e-5), help: "peak learning rate of AdamW (β 0.9/0.999, ε 1e-8)"),
        .init("weight_decay", .number(min: 0, max: 10, openMin: false, openMax: false), default: .number(0), help: "AdamW weight decay"),
        .init("warmup_steps", .int(min: 0, max: 1_000_000_000), default: .int(0), help: "linear warm-up steps, then linear decay to zero"),
        .init("batch_size", .int(min: 1, max: 4096), default: .int(5), help: "examples per micro-batch"),
        .init("grad_accum", .int(min: 1, max: 4096), default: .int(1), help: "micro-batches per optimizer step"),
        .init("epochs", .int(min: 1, max: 100_000), default: .int(5), help: "epochs the learning-rate schedule spans"),
        .init("max_steps", .int(min: 1, max: 1_000_000_000), default: nil, help: "stop after N optimizer steps in total (a resumed run included)"),
        .init("schedule_steps", .int(min: 1, max: 1_000_000_000), default: nil, help: "length of the learning-rate schedule in steps instead of epochs"),
        .init("seed", .int(min: 0, max: 9_007_199_254_740_991), default: .int(42), help: "data order, initialisation and dropout masks"),
        .init("loss_reduction", .choice(LossReduction.allCases.map(\.rawValue)), default: .text("token"),
              help: "token: mean over target tokens (transformers); sequence: summed per sequence, averaged over the batch (the original code)"),
        .init("max_grad_norm", .number(min: 0, max: 1_000_000, openMin: true, openMax: false), default: .number(1), help: "gradient clipping norm"),
        .init("checkpoint_every", .int(min: 1, max: 1_000_000_000), default: .int(50), help: "steps between checkpoints"),
        .init("keep_checkpoints", .int(min: 1, max: 1000), default: .int(2), help: "checkpoints kept, plus the best"),
        .init("eval_every", .int(min: 1, max: 1_000_000_000), default: nil, help: "steps between validations (default: at each checkpoint)"),
        .init("early_stop", .int(min: 1, max: 1_000_000), default: nil, help: "stop after N validations without improvement"),
        .init("eval_bleu", .int(min: 0, max: 100_000), default: .int(0),
              help: "BLEU of greedy outputs on the first K validation sources at each validation (0: off); the best checkpoint then follows BLEU"),
        .init("eval_test", .flag, default: .flag(false), help: "at the end, generate the test split from the best checkpoint and score it"),
        .init("eval_beam", .int(min: 1, max: 64), default: .int(5), help: "beam size of the test evaluation"),
        .init("eval_max_new_tokens", .int(min: 1, max: 4096), default: .int(64), help: "new tokens per test output at most"),
        .init("eval_min_new_tokens", .int(min: 0, max: 4096), default: .int(0), help: "new tokens per test output at least (eos banned before)"),
        .init("eval_no_repeat_ngram", .int(min: 0, max: 16), default: .int(0), help: "no n-gram of this size twice in a test output (0: off)"),
        .init("eval_length_penalty", .number(min: -10, max: 10, openMin: false, openMax: false), default: .number(1),
              help: "the test beam search ranks hypotheses by log-probability / length ^ this"),
        .init("eval_early_stopping", .flag, default: .flag(false), help: "the test beam search stops a source at its beam's count of finished hypotheses"),
        .init("copy_share", .number(min: 0, max: 1, openMin: false, openMax: true), default: nil,
              help: "pretraining: synthetic copy documents as this share of the training set"),
        .init("copy_span", .text, default: .text("4-24"), help: "MIN-MAX tokens in a copy document's span, 1 ≤ MIN ≤ MAX ≤ 2048"),
    ]

    /// The paper's settings (Li & Liang 2021, Table 5 and §5) for prefix-tuning.
    public static let presets: [String: [(String, OptionValue)]] = [
        "e2e": [("method", .text("prefix")), ("lr", .number(8e-5)), ("epochs", .int(5)), ("batch_size", .int(10)), ("prefix_length", .int(5))],
        "webnlg": [("method", .text("prefix")), ("lr", .number(5e-5)), ("epochs", .int(5)), ("batch_size", .int(5)), ("prefix_length", .int(5))],
        "dart": [("method", .text("prefix")), ("lr", .number(5e-5)), ("epochs", .int(10)), ("batch_size", .int(5)), ("prefix_length", .int(10))],
    ]
    public static let presetNames = ["e2e", "webnlg", "dart"]

    public let methods: [MethodDescriptor]
    private var given: [String: (value: OptionValue, context: String)] = [:]
    /// Keys that were given but do not apply to the chosen method (filled by `build`).
    public private(set) var ignored: [String] = []

    public init(methods: [MethodDescriptor]) { self.methods = methods }

    public static func setting(_ key: String) -> OptionDescriptor? { settings.first { $0.key == key } }
    /// The test evaluation's decoding keys `train` takes as --KEY VALUE beside the method's options.
    public static let evaluationDecoding = ["eval_min_new_tokens", "eval_no_repeat_ngram", "eval_length_penalty", "eval_early_stopping"].compactMap(setting)

    /// The descriptor of a key: a setting, `method`, or an option of some method.
    public func descriptor(_ key: String) -> OptionDescriptor? {
        if key == "method" { return .init("method", .choice(methods.map(\.name)), default: nil, help: "the tuning method") }
        return Self.setting(key) ?? methods.lazy.compactMap { $0.option(key) }.first
    }

    /// Sets a key from text (a flag's argument, a form field).
    public mutating func set(_ key: String, raw: String, context: String) throws {
        if key == "method" { given[key] = (.text(raw), context); return }  // checked by build, naming the methods
        guard let d = descriptor(key) else { throw unknown(key, context: context) }
        given[key] = (try d.parse(raw, context: context), context)
    }

    /// Sets a key from JSON (an experiment file).
    public mutating func set(_ key: String, value: OptionValue, context: String) throws {
        if key == "method" {
            guard value.text != nil else { throw SpecError("\(context): expected a method name") }
            given[key] = (value, context); return
        }
        guard let d = descriptor(key) else { throw unknown(key, context: context) }
        given[key] = (try d.check(value, context: context), context)
    }

    func unknown(_ key: String, context: String) -> SpecError {
        SpecError("\(context): unknown key \(Escaped(key)) (keys: \(Self.settings.map(\.key).joined(separator: ", ")), method, and the methods' options: \(Set(methods.flatMap { $0.options.map(\.key) }).sorted().joined(separator: ", ")))")
    }

    public func value(_ key: String) -> OptionValue? { given[key]?.value }

    /// The spec the keys describe: a preset first, then the keys given; every method option
    /// filled from its default; a key of another method noted in `ignored`.
    public mutating func build() throws -> RunSpec {
        var all = given
        if let p = given["preset"]?.value.text, let preset = Self.presets[p] {
            for (k, v) in preset where all[k] == nil { all[k] = (v, given["preset"]!.context) }
        }
        func require(_ k: String) throws -> String {
            guard let v = all[k]?.value.text else { throw SpecError("\(k) is required") }
            return v
        }
        guard let (m, methodContext) = all["method"].map({ ($0.value.text ?? "", $0.context) }) else {
            throw SpecError("method is required (one of \(methods.map(\.name).joined(separator: ", ")))")
        }
        guard let method = methods.first(where: { $0.name == m }) else {
            throw SpecError("\(methodContext) \(Escaped(m)): unknown method; expected \(methods.map(\.name).joined(separator: ", "))")
        }
        var spec = RunSpec(model: try require("model"), train: try require("train"), valid: all["valid"]?.value.text,
                           test: all["test"]?.value.text, method: MethodSpec(name: m))
        var copyShare: Double? = nil, copySpan: (String, String)? = nil
        ignored = []
        for (k, entry) in all.sorted(by: { $0.key < $1.key }) {
            let v = entry.value
            switch k {
            case "model", "train", "valid", "test", "method", "preset": break
            case "lr": spec.training.learningRate = v.number!
            case "weight_decay": spec.training.weightDecay = v.number!
            case "warmup_steps": spec.training.warmupSteps = v.int!
            case "batch_size": spec.training.batchSize = v.int!
            case "grad_accum": spec.training.gradAccum = v.int!
            case "epochs": spec.training.epochs = v.int!
            case "max_steps": spec.training.maxSteps = v.int!
            case "schedule_steps": spec.training.scheduleLength = v.int!
            case "seed": spec.training.seed = UInt64(v.int!)
            case "loss_reduction": spec.training.lossReduction = LossReduction(rawValue: v.text!)!
            case "max_grad_norm": spec.training.maxGradNorm = v.number!
            case "checkpoint_every": spec.training.checkpointEvery = v.int!
            case "keep_checkpoints": spec.training.keepCheckpoints = v.int!
            case "eval_every": spec.training.evalEvery = v.int!
            case "early_stop": spec.training.earlyStop = v.int!
            case "eval_bleu": spec.evaluation.bleuSources = v.int!
            case "eval_test": spec.evaluation.test = v.flag!
            case "eval_beam": spec.evaluation.beam = v.int!
            case "eval_max_new_tokens": spec.evaluation.maxNewTokens = v.int!
            case "eval_min_new_tokens": spec.evaluation.minNewTokens = v.int!
            case "eval_no_repeat_ngram": spec.evaluation.noRepeatNgram = v.int!
            case "eval_length_penalty": spec.evaluation.lengthPenalty = v.number!
            case "eval_early_stopping": spec.evaluation.earlyStopping = v.flag!
            case "copy_share": copyShare = v.number!
            case "copy_span": copySpan = (v.text!, entry.context)
            default:
                if method.option(k) != nil { spec.method[k] = v } else { ignored.append(entry.context) }
            }
        }
        if let copyShare {
            let (text, context) = copySpan ?? ("4-24", "copy_span")
            let b = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard b.count == 2, let lo = b[0], let hi = b[1], lo >= 1, lo <= hi, hi <= 2048 else {
                throw SpecError("\(context) \(Escaped(text)): expected MIN-MAX with 1 ≤ MIN ≤ MAX ≤ 2048")
            }
            spec.training.syntheticCopy = SyntheticCopy(share: copyShare, minSpan: lo, maxSpan: hi)
        } else if let (_, context) = copySpan {
            throw SpecError("\(context) needs \(context.hasPrefix("--") ? "--copy-share" : "copy_share")")
        }
        if let m = all["eval_min_new_tokens"], spec.evaluation.minNewTokens > spec.evaluation.maxNewTokens {
            throw SpecError("\(m.context) \(spec.evaluation.minNewTokens): more than the test evaluation's max new tokens (\(spec.evaluation.maxNewTokens))")
        }
        if let s = spec.training.scheduleLength, s <= spec.training.warmupSteps {
            throw SpecError("\(all["schedule_steps"]!.context) must exceed the warm-up steps (\(spec.training.warmupSteps)), got \(s)")
        }
        spec.method = try spec.method.resolved(by: method, context: methodContext == "--method" ? "method" : methodContext)
        return spec
    }
}

extension RunSpec {
    /// The value of a setting key (nil when unset): what `commandLine` and the docs read.
    public func setting(_ key: String) -> OptionValue? {
        let t = training, e = evaluation
        switch key {
        case "model": return .text(model)
        case "train": return .text(train)
        case "valid": return valid.map { .text($0) }
        case "test": return test.map { .text($0) }
        case "lr": return .number(t.learningRate)
        case "weight_decay": return .number(t.weightDecay)
        case "warmup_steps": return .int(t.warmupSteps)
        case "batch_size": return .int(t.batchSize)
        case "grad_accum": return .int(t.gradAccum)
        case "epochs": return .int(t.epochs)
        case "max_steps": return t.maxSteps.map { .int($0) }
        case "schedule_steps": return t.scheduleLength.map { .int($0) }
        case "seed": return .int(Int(t.seed))
        case "loss_reduction": return .text(t.lossReduction.rawValue)
        case "max_grad_norm": return .number(t.maxGradNorm)
        case "checkpoint_every": return .int(t.checkpointEvery)
        case "keep_checkpoints": return .int(t.keepCheckpoints)
        case "eval_every": return t.evalEvery.map { .int($0) }
        case "early_stop": return t.earlyStop.map { .int($0) }
        case "eval_bleu": return .int(e.bleuSources)
        case "eval_test": return .flag(e.test)
        case "eval_beam": return .int(e.beam)
        case "eval_max_new_tokens": return .int(e.maxNewTokens)
        case "eval_min_new_tokens": return .int(e.minNewTokens)
        case "eval_no_repeat_ngram": return .int(e.noRepeatNgram)
        case "eval_length_penalty": return .number(e.lengthPenalty)
        case "eval_early_stopping": return .flag(e.earlyStopping)
        case "copy_share": return t.syntheticCopy.map { .number($0.share) }
        case "copy_span": return t.syntheticCopy.map { .text("\($0.minSpan)-\($0.maxSpan)") }
        default: return nil
        }
    }

    /// The `prefixlab train` arguments that make this spec (without `--out`): what run.json
    /// records as the run's command line and `prefixlab run --dry-run` prints. Every setting
    /// is written, defaults included, so the line reproduces the run in a later version too.
    public var commandLine: [String] {
        var a = ["--model", model, "--train", train]
        if let valid { a += ["--valid", valid] }
        if let test { a += ["--test", test] }
        if evaluation.test { a.append("--eval-test") }
        a += ["--method", method.name]
        for k in method.options.keys.sorted() {
            let v = method.options[k]!
            let flag = "--" + k.replacingOccurrences(of: "_", with: "-")
            if case .flag(let b) = v { if b { a.append(flag) }; continue }
            a += [flag, v.description]
        }
        for d in RunSpecBuilder.settings where !["model", "train", "valid", "test", "preset", "eval_test"].contains(d.key) {
            guard let v = setting(d.key) else { continue }
            if case .flag(let b) = v { if b { a.append(d.flag) }; continue }
            a += [d.flag, v.description]
        }
        return a
    }
}
