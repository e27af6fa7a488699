import ArgumentParser
import Foundation
import Runs
import Screen
import Terminal
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// `prefixlab` with no arguments: the interactive workbench on a workspace.
struct WorkbenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "Open the interactive workbench (the default command).",
        discussion: """
        Opens WORKSPACE (default .prefixlab/ in the current folder, created on first use and seeded with the bundled \
        sample experiment and its finished runs from samples/). Keys: 1-5 or Tab switch screens, ? shows every key, q quits.
        """
    )
    @Option(help: "Workspace folder.") var workspace: String = ".prefixlab"
    @Option(help: "Colour theme: a file in themes/ (default, light, high-contrast, monochrome).") var theme: String?
    @Flag(help: "ASCII borders and sparklines (automatic in a non-UTF-8 locale).") var ascii = false
    @Flag(name: .customLong("no-mouse"), help: "Do not capture the mouse.") var noMouse = false
    @Option(help: "Folder a new workspace is seeded from.") var samples: String = "samples"
    @Option(name: .customLong("max-training"), help: "Training runs at a time.") var maxTraining: Int = 1

    func run() throws {
        guard isatty(0) != 0, isatty(1) != 0 else {
            throw CLIError("the workbench needs a terminal (stdin and stdout); headless: prefixlab run EXPERIMENT, prefixlab train, prefixlab runs list")
        }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else { throw CLIError("TERM is \(term.isEmpty ? "not set" : "dumb"): the workbench needs a terminal that can draw (e.g. TERM=xterm-256color)") }
        let session = try WorkbenchSession(options: self)
        try session.run()
    }
}

nonisolated(unsafe) var workbenchInterrupted: sig_atomic_t = 0
