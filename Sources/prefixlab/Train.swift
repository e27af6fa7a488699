import ArgumentParser
import Foundation
import Jobs
import Specs
import Tuning

/// `prefixlab train`: flags into a run spec, then the training job.
struct Train: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: "Train headless: " + MethodRegistry.names.joined(separator: ", ") + ".",
            discussion: """
            Data arguments take dataset specs (JSONL of {"source", "target"}, E2E CSV, WebNLG XML folder:split, \
            DART JSON); every reference of an example is one training pair. The loss covers the target tokens and the \
            final eos of source + [eos] + " " + target + [eos], as lm-score scores them.
            --max-steps caps the run at N optimizer steps in total (a resumed run included); the learning-rate \
            schedule always spans --epochs, so a run stopped and resumed is the same run as one never stopped. \
            Suggested learning rates: prefix 5e-5 to 8e-5 (the paper's), embedding 1e-3 to 1e-2 (prompt \
            tuning needs far larger steps), finetune 5e-5. docs/RUNS.md lists every key of the run spec.

            Method options (--KEY VALUE; a key of another method is noted and ignored):
            """ + MethodRegistry.descriptors.map { m in
                "\n" + wrapped("  --method \(m.name): \(m.summary)", indent: 6) + m.options.map { "\n" + wrapped("    \($0.flag): \($0.helpLine)", indent: 8) }.joined()
            }.joined() + "\n\nThe test evaluation's decoding (--KEY VALUE; see generate):"
                + RunSpecBuilder.evaluationDecoding.map { "\n" + wrapped("  \($0.flag): \($0.helpLine)", indent: 6) }.joined()
        )
    }

    /// Wrapped at 79 columns with a hanging indent, so the help keeps the list's shape
    /// (ArgumentParser rewraps only lines longer than the terminal).
    static func wrapped(_ text: String, indent: Int) -> String {
        let lead = String(text.prefix { $0 == " " })
        var lines: [String] = [], line = lead
        for word in text.dropFirst(lead.count).split(separator: " ") {
            if line.count > lead.count, line.count + 1 + word.count > 79 { lines.append(line); line = String(repeating: " ", count: indent) }
            line += (line.last == " " || line.isEmpty ? "" : " ") + word
        }
        return (lines + [line]).joined(separator: "\n")
    }

    static func help(_ key: String) -> ArgumentHelp { ArgumentHelp(RunSpecBuilder.setting(key)?.helpLine ?? "") }

    @Option(help: help("model")) var model: String?
    @Option(help: help("train")) var train: String?
    @Option(help: help("valid")) var valid: String?
    @Option(help: help("test")) var test: String?
    @Option(help: ArgumentHelp("One of " + MethodRegistry.names.joined(separator: ", ") + " (its options below).")) var method: String?
    @Option(help: "Run folder to create (parents are created).") var out: String?
    @Option(help: "Continue the run in this folder from its last checkpoint (or from step 0 if it has none).") var resume: String?
    @Option(help: help("preset")) var preset: String?
    @Option(help: "Ablation group the run belongs to (the workbench shows a group together).") var group: String?

    @Option(parsing: .unconditional, help: help("lr")) var lr: String?
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: help("weight_decay")) var weightDecay: String?
    @Option(name: .customLong("warmup-steps"), parsing: .unconditional, help: help("warmup_steps")) var warmupSteps: String?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: help("batch_size")) var batchSize: String?
    @Option(name: .customLong("grad-accum"), parsing: .unconditional, help: help("grad_accum")) var gradAccum: String?
    @Option(parsing: .unconditional, help: help("epochs")) var epochs: String?
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: help("max_steps")) var maxSteps: String?
    @Option(name: .customLong("schedule-steps"), parsing: .unconditional, help: help("schedule_steps")) var scheduleSteps: String?
    @Option(parsing: .unconditional, help: help("seed")) var seed: String?
    @Option(name: .customLong("loss-reduction"), help: help("loss_reduction")) var lossReduction: String?
    @Option(name: .customLong("max-grad-norm"), parsing: .unconditional, help: help("max_grad_norm")) var maxGradNorm: String?
    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: help("checkpoint_every")) var checkpointEvery: String?
    @Option(name: .customLong("keep-checkpoints"), parsing: .unconditional, help: help("keep_checkpoints")) var keepCheckpoints: String?
    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: help("eval_every")) var evalEvery: String?
    @Option(name: .customLong("early-stop"), parsing: .unconditional, help: help("early_stop")) var earlyStop: String?
    @Option(name: .customLong("eval-bleu"), parsing: .unconditional, help: help("eval_bleu")) var evalBLEU: String?
    @Flag(name: .customLong("eval-test"), help: help("eval_test")) var evalTest = false
    @Option(name: .customLong("eval-beam"), parsing: .unconditional, help: help("eval_beam")) var evalBeam: String?
    @Option(name: .customLong("eval-max-new-tokens"), parsing: .unconditional, help: help("eval_max_new_tokens")) var evalMaxNewTokens: String?
    // Pretraining's keys (prefixlab pretrain documents them): accepted, not listed here.
    @Option(name: .customLong("copy-share"), parsing: .unconditional, help: ArgumentHelp(visibility: .hidden)) var copyShare: String?
    @Option(name: .customLong("copy-span"), help: ArgumentHelp(visibility: .hidden)) var copySpan: String?
    @Argument(parsing: .allUnrecognized, help: "Method options as --KEY VALUE (listed below).") var methodOptions: [String] = []
    @Option(name: .customLong("engine"), help: "native (this program), or torch: the PyTorch + PEFT runner (engines/torch; `make torch-engine` installs it) on CPU or CUDA.") var engineName: String = "native"
    @Option(help: "With --engine torch: a command the runner starts under, e.g. \"torchrun --nproc-per-node 8\" (DistributedDataParallel), \"srun\", \"ssh host\".") var launcher: String?
    @Option(help: "With --engine torch: cpu, cuda or cuda:N (default: cuda when the machine has it; under torchrun each rank its local GPU).") var device: String?
    @Option(help: "With --engine torch: float32 (default), or bf16 (autocast for the forward; weights and AdamW stay float32).") var precision: String?
    @OptionGroup var engine: EngineOptions

    /// The spec keys given as flags, with their flag for messages.
    var settingFlags: [(key: String, value: String)] {
        let all: [(String, String?)] = [
            ("model", model), ("train", train), ("valid", valid), ("test", test), ("method", method), ("preset", preset),
            ("lr", lr), ("weight_decay", weightDecay), ("warmup_steps", warmupSteps), ("batch_size", batchSize), ("grad_accum", gradAccum),
            ("epochs", epochs), ("max_steps", maxSteps), ("schedule_steps", scheduleSteps), ("seed", seed), ("loss_reduction", lossReduction),
            ("max_grad_norm", maxGradNorm), ("checkpoint_every", checkpointEvery), ("keep_checkpoints", keepCheckpoints),
            ("eval_every", evalEvery), ("early_stop", earlyStop), ("eval_bleu", evalBLEU), ("eval_beam", evalBeam),
            ("eval_max_new_tokens", evalMaxNewTokens), ("copy_share", copyShare), ("copy_span", copySpan),
        ]
        return all.compactMap { k, v in v.map { (k, $0) } } + (evalTest ? [("eval_test", "true")] : [])
    }

    func run() throws {
        try engine.apply()
        let reporter = ConsoleReporter()
        if let resume {
            let others = settingFlags.filter { $0.key != "max_steps" }.map(\.key) + (methodOptions.isEmpty ? [] : ["method options"])
                + [("out", out), ("group", group), ("device", device), ("precision", precision)].compactMap { $0.1 == nil ? nil : $0.0 }
            guard others.isEmpty else {
                throw CLIError("--resume continues a run as its spec says; only --max-steps (and a torch run's --launcher) may change (got \(others.joined(separator: ", ")))")
            }
            var b = RunSpecBuilder(methods: MethodRegistry.descriptors)
            if let maxSteps { try b.set("max_steps", raw: maxSteps, context: "--max-steps") }
            try EngineDispatch.resume(resume, maxSteps: b.value("max_steps")?.int, launcher: launcher, reporter: reporter)
            return
        }
        let choice: EngineChoice?
        do { choice = try EngineChoice.build(engine: engineName, launcher: launcher, device: device, precision: precision, spelled: { "--" + $0 }) } catch {
            throw CLIError("\(error)")
        }
        guard model != nil, train != nil, let out else { throw CLIError("train needs --model, --train and --out (or --resume RUN_DIR)") }
        guard method != nil || preset != nil else {
            throw CLIError("train needs --method (\(MethodRegistry.names.joined(separator: ", "))) or --preset")
        }
        var b = RunSpecBuilder(methods: MethodRegistry.descriptors)
        for (k, v) in settingFlags { try b.set(k, raw: v, context: "--" + k.replacingOccurrences(of: "_", with: "-")) }
        for (flag, value) in try MethodFlags.pairs(methodOptions, builder: b) {
            try b.set(String(flag.dropFirst(2)).replacingOccurrences(of: "-", with: "_"), raw: value, context: flag)
        }
        let spec = try b.build()
        for flag in b.ignored { reporter.line("note: \(flag) does not apply to --method \(spec.method.name); ignored") }
        try EngineDispatch.start(spec, out: out, group: group, commandLine: ["prefixlab"] + CommandLine.arguments.dropFirst(),
                                 engine: choice, reporter: reporter)
    }
}

/// Method options as `train` takes them: `--KEY VALUE`, `--KEY=VALUE`, or a bare `--KEY` for
/// an option that is true or false.
enum MethodFlags {
    static func pairs(_ args: [String], builder: RunSpecBuilder) throws -> [(String, String)] {
        var out: [(String, String)] = [], i = 0
        while i < args.count {
            let a = args[i]
            guard a.hasPrefix("--"), a.count > 2 else { throw CLIError("\(a): unexpected argument (options are --KEY VALUE; see prefixlab train --help)") }
            var flag = a, value: String? = nil
            if let eq = a.firstIndex(of: "=") { flag = String(a[..<eq]); value = String(a[a.index(after: eq)...]) }
            let key = String(flag.dropFirst(2)).replacingOccurrences(of: "-", with: "_")
            guard let d = builder.descriptor(key) else { throw CLIError("\(flag): unknown option (see prefixlab train --help)") }
            if value == nil {
                if case .flag = d.kind, i + 1 >= args.count || args[i + 1].hasPrefix("--") { value = "true" }
                else if i + 1 < args.count { i += 1; value = args[i] }
                else { throw CLIError("\(flag): missing value (\(d.rangeText))") }
            }
            out.append((flag, value!))
            i += 1
        }
        return out
    }
}
