import ArgumentParser
import Foundation
import JSON
import Jobs
import Runs
import Support
#if canImport(Glibc)
import Glibc
#endif

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
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace.") var runRef: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
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
        let dir = try Workspace.resolveRun(runRef, workspace: workspace)
        let a = try AttentionInspection.inspect(runDir: dir, source: source, maxNewTokens: maxNewTokens)
        if json { print(a.json.serialized); return }
        for line in AttentionTable.lines(a) { print(line) }
    }
}

/// The text table of `inspect attention`: a row per generated token, the share on the
/// method's rows per layer (heads' mean, in %), then the means over layers on the source and
/// on the generated text.
enum AttentionTable {
    static func lines(_ a: AttentionInspection) -> [String] {
        let L = a.trace.layers
        var out = ["\(a.run): \(a.virtualKind)\(a.virtualRows > 0 ? " (\(a.virtualRows) rows)" : ""), \(L) layers × \(a.trace.heads) heads",
                   "output: \(a.output)",
                   "share of attention (%, heads' mean) on the \(a.virtualKind == "none" ? "method's rows (none)" : a.virtualKind) per layer; source and generated: mean over layers"]
        let width = min(18, max(6, a.tokenTexts.map { Escaped($0, limit: 14).description.count + 3 }.max() ?? 6))
        func cell(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        out.append("token".padding(toLength: width, withPad: " ", startingAt: 0) + (0..<L).map { cell("L\($0)", 4) }.joined() + cell("source", 8) + cell("generated", 10))
        for k in a.trace.tokens.indices {
            let name = "\"" + Escaped(a.tokenTexts[k], limit: 14).description + "\""
            let layers = (0..<L).map { a.layerShares(token: k, layer: $0) }
            let mean = layers.mean
            out.append(String(name.prefix(width - 1)).padding(toLength: width, withPad: " ", startingAt: 0)
                       + layers.map { cell(String(Int(($0.virtual * 100).rounded())), 4) }.joined()
                       + cell(String(Int((mean.source * 100).rounded())), 8) + cell(String(Int((mean.generated * 100).rounded())), 10))
        }
        return out
    }
}

/// `prefixlab inspect prefix`: the vocabulary tokens nearest to each virtual row, and how far a
/// run initialised from words moved from them (Jobs/PrefixInspection).
struct InspectPrefix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefix",
        abstract: "What a prefix means: the nearest vocabulary tokens of each virtual token (embedding runs) or of each layer's prefix key (prefix and infix runs), and how far a run initialised from words moved.",
        discussion: "A token's own key at a layer is its key when it stands alone at position 0 of the frozen model; similarity is cosine over the layer's whole key (every head).")
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace.") var runRef: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "Nearest tokens per row, 1 to 50.") var top: Int = 5
    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard (1...50).contains(top) else { throw ValidationError("--top must be from 1 to 50, got \(top)") }
    }

    func run() throws {
        try engine.apply()
        let dir = try Workspace.resolveRun(runRef, workspace: workspace)
        let tty = isatty(2) != 0
        let p = try PrefixInspection.inspect(runDir: dir, top: top) { done, total in
            if tty { FileHandle.standardError.write(Data("\rreading the vocabulary: \(done)/\(total)".utf8)) }
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json { print(p.json.serialized); return }
        for line in PrefixTable.lines(p) { print(line) }
    }
}

enum PrefixTable {
    static func lines(_ p: PrefixInspection) -> [String] {
        func tok(_ t: String) -> String { "\"" + Escaped(t, limit: 14).description + "\"" }
        func row(_ label: String, _ ns: [PrefixInspection.Neighbour]) -> String {
            label.padding(toLength: 6, withPad: " ", startingAt: 0) + ns.map { tok($0.token) + String(format: " %.2f", $0.cosine) }.joined(separator: "  ")
        }
        var out = ["\(p.run): \(p.method)\(p.kind == p.method ? "" : " (" + p.kind + ")"), \(p.rows) rows, init \(p.initialization)"]
        if p.kind == "virtual tokens" {
            out.append("nearest tokens by input embedding (cosine):")
            out += (0..<p.rows).map { row("p\($0)", p.neighbours(position: $0)) }
        } else {
            out.append("nearest tokens by their own key at each layer (cosine):")
            for l in 0..<p.layers {
                out.append("layer \(l)")
                out += (0..<p.rows).map { row("  p\($0)", p.neighbours(layer: l, position: $0)) }
            }
        }
        if let moved = p.moved {
            out.append("moved from the initial words (cosine to the start, distance, distance / start's norm):")
            out += moved.map { String(format: "  p%-3d %@  %.3f  %.3f  %.3f", $0.position, tok($0.word), $0.cosine, $0.distance, $0.relative) }
        }
        return out
    }
}
