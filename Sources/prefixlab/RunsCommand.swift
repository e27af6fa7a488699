import ArgumentParser
import Foundation
import JSON
import Runs

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, show and remove the runs of a workspace.",
        subcommands: [RunsList.self, RunsShow.self, RunsRemove.self]
    )
}

func summaryJSON(_ s: RunSummary) -> JSONValue {
    func opt(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
    return .object([("id", .string(s.id)), ("path", .string(s.path)), ("status", .string(s.status.rawValue)),
                    ("method", s.method.map { .string($0) } ?? .null), ("step", .number(Double(s.step))),
                    ("total_steps", s.totalSteps.map { .number(Double($0)) } ?? .null), ("loss", opt(s.lastLoss)),
                    ("best_valid_loss", opt(s.bestValidLoss)), ("best_valid_bleu", opt(s.bestValidBLEU)),
                    ("tokens_per_s", opt(s.tokensPerS)), ("created", s.created.map { .string($0) } ?? .null),
                    ("problem", s.problem.map { .string($0) } ?? .null)])
}

struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every run with its status and progress.")
    @Option(help: "Workspace folder.") var workspace: String = ".prefixlab"
    @Flag var json = false

    func run() throws {
        let runs = RunStore.list(workspace: workspace)
        if json {
            print(JSONValue.object([("workspace", .string(workspace)), ("runs", .array(runs.map(summaryJSON)))]).serialized)
            return
        }
        if runs.isEmpty { print("no runs in \(workspace)/runs"); return }
        print("run                      method     status       step        loss   val loss  val BLEU  tok/s")
        for s in runs {
            let step = s.totalSteps.map { "\(s.step)/\($0)" } ?? "\(s.step)"
            func f(_ x: Double?, _ fmt: String) -> String { x.map { String(format: fmt, $0) } ?? "–" }
            print(String(format: "%@ %@ %@ %@ %@ %@ %@ %@",
                         s.id.padding(toLength: 24, withPad: " ", startingAt: 0), (s.method ?? "?").padding(toLength: 10, withPad: " ", startingAt: 0),
                         s.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0), step.padding(toLength: 11, withPad: " ", startingAt: 0),
                         f(s.lastLoss, "%.4f").padding(toLength: 7, withPad: " ", startingAt: 0), f(s.bestValidLoss, "%.4f").padding(toLength: 9, withPad: " ", startingAt: 0),
                         f(s.bestValidBLEU, "%.4f").padding(toLength: 9, withPad: " ", startingAt: 0), f(s.tokensPerS, "%.0f")))
            if let p = s.problem { FileHandle.standardError.write(Data("  \(s.id): \(p)\n".utf8)) }
        }
    }
}

struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One run: status, progress, config, metrics.")
    @Argument(help: "A run folder, or a run id in the workspace.") var runRef: String
    @Option var workspace: String = ".prefixlab"
    @Flag var json = false

    func run() throws {
        let dir = try resolveRun(runRef, workspace: workspace)
        let s = RunStore.summary(runDir: dir)
        let info = (try? JSONParser.parse(String(contentsOfFile: dir + "/run.json", encoding: .utf8))) ?? .null
        let metrics = (try? JSONParser.parse(String(contentsOfFile: dir + "/metrics.json", encoding: .utf8))) ?? .null
        if json {
            print(JSONValue.object([("summary", summaryJSON(s)), ("run", info), ("metrics", metrics)]).serialized)
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
        let dir = try resolveRun(runRef, workspace: workspace)
        let s = RunStore.summary(runDir: dir)
        guard s.status != .running else { throw CLIError("\(s.id) is running (pid alive); cancel it first") }
        try FileManager.default.removeItem(atPath: dir)
        print("removed \(dir)")
    }
}
