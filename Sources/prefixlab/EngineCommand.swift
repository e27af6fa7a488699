import ArgumentParser
import Foundation
import JSON
import Jobs

/// `prefixlab engine`: what other engines ask of this program (the PyTorch runner calls it).
struct EngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "For other engines: a run's exact plan (data, order, schedule, initial tensors), and its validation score.",
                                                    shouldDisplay: false, subcommands: [EnginePrepare.self, EngineValidate.self])
}

struct EnginePrepare: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare", abstract: "Write RUN's plan.json (and init.safetensors) into --out.")
    @OptionGroup var reference: RunReference
    @Option(help: "Folder to write plan.json and init.safetensors into.") var out: String

    func run() throws {
        try EnginePlan.write(runDir: try reference.folder(), to: out)
    }
}

struct EngineValidate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Print {\"BLEU\": x} of a checkpoint of RUN on its eval_bleu validation sources, as the native trainer scores them.")
    @OptionGroup var reference: RunReference
    @Option(help: "A checkpoint folder of the run, in the native layout.") var checkpoint: String

    func run() throws {
        let bleu = try ValidationBLEU.score(runDir: try reference.folder(), checkpoint: checkpoint)
        print(JSONValue.object([("BLEU", .number(bleu))]).serialized)
    }
}
