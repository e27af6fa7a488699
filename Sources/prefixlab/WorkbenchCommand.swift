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
        Opens WORKSPACE (default .prefixlab/ in the current folder, created on first use and seeded with the bundled
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

    /// The themes/ folder: $PREFIXLAB_THEMES, ./themes, or beside the repository the binary
    /// was built in (.build/<config>/prefixlab → ../../themes).
    static func themesDirectory() -> String? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["PREFIXLAB_THEMES"] { candidates.append(env) }
        candidates.append(fm.currentDirectoryPath + "/themes")
        let exe = ownExecutable()
        candidates.append(((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("../../themes"))
        candidates.append(((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("../../../themes"))
        return candidates.first { fm.fileExists(atPath: $0 + "/default.theme") }
    }

    static func ownExecutable() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// UTF-8 unless the locale says otherwise.
    static func localeIsUTF8() -> Bool {
        let env = ProcessInfo.processInfo.environment
        let value = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
        let v = value.lowercased()
        return v.contains("utf-8") || v.contains("utf8")
    }
}

nonisolated(unsafe) var workbenchInterrupted: sig_atomic_t = 0
