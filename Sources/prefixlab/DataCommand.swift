import ArgumentParser
import Foundation
import JSON
import Specs
import Text
import Tuning

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Summarise a dataset: examples, references per example, length statistics, categories."
    )
    @Argument(help: "Dataset spec (file or folder[:split]).") var spec: String
    @Option(help: "Tokenizer folder (a model folder): lengths in its tokens instead of words.") var tokenizer: String?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let d = try DatasetSpec.load(spec)
        let tok = try tokenizer.map { try TokenizerFiles.load(folder: $0) }
        let s = DatasetSummary(d, tokenize: tok.map { t in { t.encode($0).count } })
        if json { print(s.json(name: d.name, format: d.format).serialized) } else { s.lines(name: d.name, format: d.format).forEach { print($0) } }
    }
}

/// `prefixlab spec`: the keys of a run spec (flags, experiment keys, run.json's `config`).
struct SpecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spec", abstract: "List every key of a run spec: its flag, range, default and meaning.")
    func run() throws { print(SpecDocs.markdown(methods: MethodRegistry.descriptors), terminator: "") }
}
