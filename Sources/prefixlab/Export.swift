import ArgumentParser
import Foundation
import Jobs
import Runs

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run as a Hugging Face PEFT adapter (or, for adapter runs, our bottleneck layout).",
        discussion: """
        prefix runs become PrefixTuning adapters (prefix_projection as trained; the file holds the folded \
        prefix, as PEFT saves it), embedding runs PromptTuning adapters, lora runs LORA adapters. adapter \
        runs export with --format bottleneck (PEFT has no such type; the layout is in the README). The best \
        checkpoint by validation loss is used, else the last.
        """
    )
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace.") var runRef: String
    @Option(help: "peft, or bottleneck (adapter runs)") var format: String = "peft"
    @Option(help: "Adapter folder to write.") var out: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "best (default: best, else last) or last.") var checkpoint: String = "best"

    func validate() throws {
        guard ["peft", "bottleneck"].contains(format) else { throw ValidationError("--format \(format): expected peft or bottleneck") }
        guard ["best", "last"].contains(checkpoint) else { throw ValidationError("--checkpoint \(checkpoint): expected best or last") }
    }

    func run() throws {
        let (adapter, from) = try ExportJob.run(runDir: try Workspace.resolveRun(runRef, workspace: workspace), checkpoint: checkpoint, format: format, out: out)
        print("\(out): \(adapter.summary), from \(from)")
    }
}
