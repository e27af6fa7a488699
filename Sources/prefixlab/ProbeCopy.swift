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
        abstract: "Loss and top-1 accuracy on the second copy of repeated random spans vs the first.",
        discussion: """
        An encoder-decoder (BART) copies through its cross-attention instead: the decoder, teacher-forced on a random \
        span, reads an unrelated span (first) or the span itself (second).
        """
    )
    @Option(help: "Hugging Face GPT-2 or BART folder.") var model: String
    @Option(name: .customLong("span-length")) var spanLength = 20
    @Option var spans = 64
    @Option var seed: UInt64 = 1
    @Option(help: "Draw tokens from ids below this (default: the whole vocabulary but eos).") var vocab: Int?
    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let (r, line) = try CopyProbe.run(folder: model, spanLength: spanLength, spans: spans, seed: seed, vocab: vocab)
        print(line)
        if json {
            print(JSONValue.object([("first_loss", .number(r.firstLoss)), ("first_top1", .number(r.firstTop1)),
                                    ("second_loss", .number(r.secondLoss)), ("second_top1", .number(r.secondTop1))]).serialized)
        }
    }
}
