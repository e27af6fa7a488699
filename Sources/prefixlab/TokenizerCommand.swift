import ArgumentParser
import Foundation
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
        let full = try TokenizerFiles.load(folder: tokenizer)
        var lines: [String] = []
        for c in corpus {
            if c.hasSuffix(".txt"), let text = try? String(contentsOfFile: c, encoding: .utf8) {
                lines += text.split(separator: "\n").map(String.init)
            } else {
                let d = try DatasetSpec.load(c)
                lines += d.examples.flatMap { [$0.source] + $0.references.map { " " + $0 } }
            }
        }
        let (vocab, merges) = TokenizerPruning.prune(full, corpus: lines)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let ordered = vocab.sorted { $0.value < $1.value }
        try AtomicFile.write(Data(JSONValue.object(ordered.map { ($0.key, .number(Double($0.value))) }).serialized.utf8), to: out + "/vocab.json")
        try AtomicFile.write(Data(("#version: 0.2\n" + merges.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n").utf8), to: out + "/merges.txt")
        // The check that matters: every corpus line encodes to the same token strings.
        let pruned = try TokenizerFiles.load(folder: out)
        for (n, line) in lines.enumerated() {
            let a = full.encode(line).map { full.tokens[Int($0)] }, b = pruned.encode(line).map { pruned.tokens[Int($0)] }
            guard a == b else { throw CLIError("corpus line \(n + 1) encodes differently after pruning (a bug): \(line)") }
        }
        print("\(out): \(vocab.count) tokens (of \(full.vocabSize)), \(merges.count) merges (of \(full.merges.count)); \(lines.count) corpus lines encode identically")
    }
}
