import ArgumentParser
import Foundation
import Jobs
import Runs

/// `prefixlab engine`: what other engines ask of this program (the PyTorch runner calls it).
struct EngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "For other engines: a run's exact plan (data, order, schedule, initial tensors).",
                                                    shouldDisplay: false, subcommands: [EnginePrepare.self])
}

struct EnginePrepare: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare", abstract: "Write RUN's plan.json (and init.safetensors) into --out.")
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace.") var runRef: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "Folder to write plan.json and init.safetensors into.") var out: String

    func run() throws {
        try EnginePlan.write(runDir: try Workspace.resolveRun(runRef, workspace: workspace), to: out)
    }
}
