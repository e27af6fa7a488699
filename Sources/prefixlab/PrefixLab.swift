import ArgumentParser
import Jobs
import Kernels

@main
struct PrefixLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefixlab",
        abstract: "A terminal workbench for prefix-tuning research on a native CPU engine.",
        subcommands: [WorkbenchCommand.self, RunExperiment.self, DataCommand.self, Train.self, Pretrain.self, Generate.self, Evaluate.self, LMScore.self, Score.self, Export.self, SpecCommand.self, RunsCommand.self, Probe.self, TokenizerCommand.self, Bench.self],
        defaultSubcommand: WorkbenchCommand.self
    )

    static let version = TrainingJob.codeVersion

    static func main() {
        BLASEnvironment.ensureThreadTimeout()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Options every compute command takes.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and the engine's own loops (default: all cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            BLAS.setThreads(threads)
            EngineThreads.count = threads
        } else {
            BLAS.setThreads(EngineThreads.count)
        }
    }
}
