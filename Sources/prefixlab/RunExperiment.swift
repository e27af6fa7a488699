import ArgumentParser
import Events
import Foundation
import Jobs
import Runs

/// `prefixlab run EXPERIMENT`: every run of an experiment file, headless, one after another,
/// in the workspace's run store. Finished runs are skipped, paused or interrupted ones resumed,
/// so running it again after a crash or Ctrl-C continues where it stopped.
struct RunExperiment: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run an experiment file's group of runs headless.")
    @Argument(help: "Experiment file (JSON).") var experiment: String
    @Option(help: "Workspace folder.") var workspace: String = ".prefixlab"
    @Option(parsing: .upToNextOption, help: "Only these runs (names in the file).") var only: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print what each run would do (its train command, or why it would be skipped or resumed) and stop.") var dryRun = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let exp: Experiment
        do { exp = try Experiment.load(path: experiment) } catch { throw CLIError("\(error)") }
        let unknown = only.filter { o in !exp.runs.contains { $0.name == o } }
        guard unknown.isEmpty else { throw CLIError("--only \(unknown.joined(separator: ", ")): not in \(experiment) (runs: \(exp.runs.map(\.name).joined(separator: ", ")))") }
        let ws = Workspace(path: workspace)
        let chosen = exp.runs.filter { only.isEmpty || only.contains($0.name) }
        if dryRun {
            // What a real run would do with each: the same decision as below, nothing written.
            for r in chosen {
                let dir = ws.runsPath + "/" + r.name
                let status = FileManager.default.fileExists(atPath: dir + "/run.json") ? RunStore.summary(runDir: dir).status : nil
                switch status {
                case nil: print((["prefixlab", "train"] + exp.trainArguments(r, outDir: dir)).joined(separator: " "))
                case .done?: print("\(r.name): done, would be skipped")
                case .running?: print("\(r.name): running in another process, would be skipped")
                case let s?: print("\(r.name): \(s.rawValue), would resume: prefixlab train --resume \(dir)")
                }
            }
            return
        }
        try ws.create()
        guard ws.acquireWriteLock() else { throw CLIError("\(workspace): another process holds its write lock (\(workspace)/.lock)") }
        let copy = ws.experimentsPath + "/" + exp.name + ".json"
        if !FileManager.default.fileExists(atPath: copy) { try FileManager.default.copyItem(atPath: experiment, toPath: copy) }
        let progress = ConsoleReporter()
        for r in chosen {
            let dir = try ws.runFolder(r.name)
            if FileManager.default.fileExists(atPath: dir + "/run.json") {
                let status = RunStore.summary(runDir: dir).status
                switch status {
                case .done: print("\(r.name): done, skipped"); continue
                case .running: print("\(r.name): running in another process, skipped"); continue
                case .paused, .interrupted, .cancelled, .failed, .queued:
                    print("\(r.name): \(status.rawValue), resuming")
                    try EngineDispatch.resume(dir, maxSteps: nil, reporter: progress)
                case .unreadable: throw CLIError("\(dir): run.json is unreadable; remove it (prefixlab runs rm) to start over")
                }
            } else {
                let args = exp.trainArguments(r, outDir: dir)
                print("\(r.name): prefixlab train " + args.joined(separator: " "))
                try EngineDispatch.start(r.spec, out: dir, group: exp.name, commandLine: ["prefixlab", "train"] + args, engine: exp.engine, reporter: progress)
            }
            if stopSignalled != 0 { print("stopped: \(r.name) paused; run the same command again to continue"); return }
        }
    }
}
