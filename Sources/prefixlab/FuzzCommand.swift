import ArgumentParser
import Foundation
import Fuzzing

/// `prefixlab fuzz`: every file reader on seeded mutations of real files, in-process.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Fuzz every reader (safetensors, config.json, tokenizers, JSON, JSONL, E2E CSV, WebNLG XML, DART) for crashes, hangs and unexpected errors.",
        discussion: "Exits 0 when every case ended in a result or a clean refusal; a finding is saved under --work and listed; a crash ends the process (the case is named in WORK/last-case.txt); a hang exits 3.")
    @Option(help: "Seed of the mutations (the same seed, the same cases).") var seed: UInt64 = 1
    @Option(help: "How long to run, 1 to 86400.") var seconds: Double = 30
    @Option(help: "Folder for the cases and findings (default: a new temporary folder).") var work: String?
    @Option(help: "The repository (seed files from samples/ and Tests/Fixtures).") var root: String = "."
    @Option(help: "The shared data folder (seed files from data/).") var shared: String = "../shared"

    func validate() throws {
        guard seconds >= 1, seconds <= 86_400 else { throw ValidationError("--seconds must be from 1 to 86400") }
    }

    func run() throws {
        let dir = work ?? NSTemporaryDirectory() + "prefixlab-fuzz-\(UUID().uuidString.prefix(8))"
        // Absolute, since companion files are linked into each case folder.
        func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
        let targets = FuzzTarget.all(root: absolute(root), shared: absolute(shared))
        guard !targets.isEmpty else { throw CLIError("no seed files under \(root) or \(shared)") }
        print("fuzz: seed \(seed), \(Int(seconds)) s, \(targets.count) targets (\(targets.map(\.name).joined(separator: ", "))); cases in \(dir)")
        let report = try Fuzzer(seed: seed, seconds: seconds, work: dir, targets: targets).run { print($0) }
        for (name, t) in report.perTarget { print("  \(name): \(t.cases) cases, \(t.refused) refused cleanly, \(t.accepted) read") }
        print("fuzz: \(report.cases) cases in \(String(format: "%.1f", report.seconds)) s; \(report.findings.count) findings")
        if !report.findings.isEmpty { throw CLIError("\(report.findings.count) inputs ended in an unexpected error type; saved in \(dir)/found") }
        if work == nil { try? FileManager.default.removeItem(atPath: dir) }
    }
}
