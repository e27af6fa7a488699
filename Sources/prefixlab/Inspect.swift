import ArgumentParser
import Foundation
import JSON
import Jobs
import Runs
import Support
#if canImport(Glibc)
import Glibc
#endif

/// `--run RUN [--workspace WS]`: one run, as a folder or an id in a workspace.
struct RunReference: ParsableArguments {
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace.") var runRef: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    func folder() throws -> String { try Workspace.resolveRun(runRef, workspace: workspace) }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "What a tuned run does with its prefix: where attention goes, what the prefix means.",
                                                    subcommands: [InspectAttention.self, InspectPrefix.self])
}

/// `prefixlab inspect attention`: per generated token, layer and head, the share of attention
/// on the method's rows, the source and the generated text (Jobs/AttentionInspection).
struct InspectAttention: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Greedy output for a source, and per generated token and layer the share of attention on the prefix (or virtual tokens, or infix), on the source and on the generated text.",
        discussion: "Each token's shares are those of the query that predicted it (the prompt's eos for the first). --json has them per head too.")
    @OptionGroup var target: RunReference
    @Option(help: "The source text (an E2E meaning representation, a WebNLG triple set, ...).") var source: String
    @Option(name: .customLong("max-new-tokens"), help: "1 to 1024.") var maxNewTokens: Int = AttentionInspection.maxNewTokens
    @Flag(help: "Print JSON (per token, layer and head) instead of a table.") var json = false
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard (1...1024).contains(maxNewTokens) else { throw ValidationError("--max-new-tokens must be from 1 to 1024, got \(maxNewTokens)") }
        guard !source.isEmpty else { throw ValidationError("--source is empty") }
    }

    func run() throws {
        try engine.apply()
        let dir = try target.folder()
        let a = try AttentionInspection.inspect(runDir: dir, source: source, maxNewTokens: maxNewTokens)
        if json { print(a.json.serialized); return }
        for line in a.table { print(line) }
    }
}

/// `prefixlab inspect prefix`: the vocabulary tokens nearest to each virtual row, and how far a
/// run initialised from words moved from them (Jobs/PrefixInspection).
struct InspectPrefix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefix",
        abstract: "What a prefix means: the nearest vocabulary tokens of each virtual token (embedding runs) or of each layer's prefix key (prefix and infix runs), and how far a run initialised from words moved.",
        discussion: "A token's own key at a layer is its key when it stands alone at position 0 of the frozen model; similarity is cosine over the layer's whole key (every head).")
    @OptionGroup var target: RunReference
    @Option(help: "Nearest tokens per row, 1 to 50.") var top: Int = 5
    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard (1...50).contains(top) else { throw ValidationError("--top must be from 1 to 50, got \(top)") }
    }

    func run() throws {
        try engine.apply()
        let dir = try target.folder()
        let tty = isatty(2) != 0
        let p = try PrefixInspection.inspect(runDir: dir, top: top) { done, total in
            if tty { FileHandle.standardError.write(Data("\rreading the vocabulary: \(done)/\(total)".utf8)) }
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json { print(p.json.serialized); return }
        for line in p.table { print(line) }
    }
}
