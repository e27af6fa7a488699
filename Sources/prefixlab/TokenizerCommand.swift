import ArgumentParser
import Foundation
import Jobs
import Support
import JSON
import Models
import Text

struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer", abstract: "Tokenizer tools.", subcommands: [TokenizerPrune.self])
}

struct TokenizerPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Write a smaller byte-level BPE (vocab.json + merges.txt) that encodes a corpus exactly as the full one does."
    )
    @Option(parsing: .upToNextOption, help: "Text files (one document per line) or dataset specs.") var corpus: [String]
    @Option(help: "The full tokenizer folder.") var tokenizer: String
    @Option(help: "Folder to write.") var out: String

    func run() throws {
        try OutputFolder.check(out, mayHold: ["vocab.json", "merges.txt"], what: "a tokenizer folder")
        let full = try TokenizerFiles.load(folder: tokenizer)
        let lines = try TokenizerPruning.corpusLines(corpus)
        let (tokens, merges) = try TokenizerPruning.write(full, corpus: lines, to: out)
        print("\(out): \(tokens) tokens (of \(full.vocabSize)), \(merges) merges (of \(full.merges.count)); \(lines.count) corpus lines encode identically")
    }
}
