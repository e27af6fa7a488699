import ArgumentParser
import Foundation
import JSON
import Jobs
import Runs
import Support

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, show and remove the runs of a workspace.",
        subcommands: [RunsList.self, RunsShow.self, RunsRemove.self, RunsMigrate.self]
    )
}

struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every run with its status and progress.")
    @Option(help: "Workspace folder.") var workspace: String = ".prefixlab"
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let runs = RunStore.list(workspace: workspace)
        if json {
            print(JSONValue.object([("workspace", .string(workspace)), ("runs", .array(runs.map(RunStore.json)))]).serialized)
            return
        }
        if runs.isEmpty { print("no runs in \(workspace)/runs"); return }
        for line in RunStore.table(runs) { print(line) }
        for s in runs {
            if let p = s.problem { FileHandle.standardError.write(Data("  \(s.id): \(p)\n".utf8)) }
        }
    }
}

struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One run: status, progress, config, metrics.")
    @Argument(help: "A run folder, or a run id in the workspace.") var runRef: String
    @Option var workspace: String = ".prefixlab"
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let dir = try Workspace.resolveRun(runRef, workspace: workspace)
        let s = RunStore.summary(runDir: dir)
        let info = FileRead.string(dir + "/run.json").flatMap { try? JSONParser.parse($0) } ?? .null
        let metrics = FileRead.string(dir + "/metrics.json").flatMap { try? JSONParser.parse($0) } ?? .null
        if json {
            print(JSONValue.object([("summary", RunStore.json(s)), ("run", info), ("metrics", metrics)]).serialized)
            return
        }
        print("\(s.id)  \(s.status.rawValue)  \(s.method ?? "?")  step \(s.step)\(s.totalSteps.map { "/\($0)" } ?? "")")
        if let p = s.problem { print("problem: \(p)") }
        if let c = info["config"] { print("config: \(c.serialized)") }
        if let cmd = info["command_line"]?.array { print("command: " + cmd.compactMap(\.string).joined(separator: " ")) }
        if metrics != .null { print("metrics: \(metrics.serialized)") }
    }
}

struct RunsRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a run folder (not one that is running).")
    @Argument(help: "A run folder, or a run id in the workspace.") var runRef: String
    @Option var workspace: String = ".prefixlab"

    func run() throws {
        let dir = try Workspace.resolveRun(runRef, workspace: workspace)
        let s = RunStore.summary(runDir: dir)
        guard s.status != .running, !RunFolder.isLocked(dir) else { throw CLIError("\(s.id) is being trained or evaluated by another process; cancel it first") }
        try FileManager.default.removeItem(atPath: dir)
        print("removed \(dir)")
    }
}

struct RunsMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Rewrite the run.json of runs made before run specs into the spec layout (docs/RUNS.md).")
    @Argument(help: "Run folders (paths with a slash) or run ids in the workspace.") var runRefs: [String]
    @Option var workspace: String = ".prefixlab"

    func run() throws {
        for ref in runRefs {
            let dir = try Workspace.resolveRun(ref, workspace: workspace)
            print(try RunFolder.migrate(dir) ? "\(dir): run.json rewritten with its spec" : "\(dir): already a spec")
        }
    }
}
