import ArgumentParser
import Foundation
import JSON
import Jobs

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Probes of what a base model can do.", subcommands: [ProbeCopy.self])
}

/// `prefixlab probe copy`: in-context copying (Jobs/CopyProbe).
struct ProbeCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Loss and top-1 accuracy on the second copy of repeated random spans vs the first."
    )
    @Option(help: "Hugging Face GPT-2 folder.") var model: String
    @Option(name: .customLong("span-length")) var spanLength = 20
    @Option var spans = 64
    @Option var seed: UInt64 = 1
    @Option(help: "Draw tokens from ids below this (default: the whole vocabulary but eos).") var vocab: Int?
    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let r = try CopyProbe.run(model: try LoadedModel.load(model).model, spanLength: spanLength, spans: spans, seed: seed, vocab: vocab)
        print(String(format: "copy probe (%d spans of %d tokens): first copy loss %.3f, top-1 %.3f; second copy loss %.3f, top-1 %.3f",
                     spans, spanLength, r.firstLoss, r.firstTop1, r.secondLoss, r.secondTop1))
        if json {
            print(JSONValue.object([("first_loss", .number(r.firstLoss)), ("first_top1", .number(r.firstTop1)),
                                    ("second_loss", .number(r.secondLoss)), ("second_top1", .number(r.secondTop1))]).serialized)
        }
    }
}
