import ArgumentParser
import Jobs
import Kernels
import Support

@main
struct PrefixLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefixlab",
        abstract: "A terminal workbench for prefix-tuning research on a native CPU engine.",
        subcommands: [WorkbenchCommand.self, RunExperiment.self, DataCommand.self, Train.self, Pretrain.self, Generate.self, Evaluate.self, LMScore.self, Score.self, Export.self, SpecCommand.self, RunsCommand.self, Probe.self, TokenizerCommand.self, Bench.self, Inspect.self, EngineCommand.self, FuzzCommand.self],
        defaultSubcommand: WorkbenchCommand.self
    )

    static let version = TrainingJob.codeVersion

    static func main() {
        BLASEnvironment.ensureThreadTimeout()
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do { try command.run() } catch {
            // ArgumentParser's own (help, clean exits, validation) as it prints them; ours as one
            // line, with the control bytes a hostile file may have put in it escaped.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exit(withError: error) }
            exit(withError: CLIError(Escaped(String(describing: error), limit: 4000).description))
        }
    }
}

/// Options every compute command takes.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and the engine's own loops (default: all cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
            BLAS.setThreads(threads)
            EngineThreads.count = threads
        } else {
            BLAS.setThreads(EngineThreads.count)
        }
    }
}
