import Events
import Foundation
import Support
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// One line of `runs list`: what a researcher scans for.
public struct RunSummary: Sendable {
    public var id: String
    public var path: String
    public var status: RunStatus
    public var method: String?
    public var step: Int = 0
    public var totalSteps: Int? = nil
    public var lastLoss: Double? = nil
    public var bestValidLoss: Double? = nil
    public var bestValidBLEU: Double? = nil
    public var tokensPerS: Double? = nil
    public var created: String? = nil
    /// Why a run is unreadable, or warnings about its log (torn lines skipped).
    public var problem: String? = nil
}

/// Reads the on-disk run store: `WORKSPACE/runs/<id>/{run.json, events.jsonl, checkpoints/}`.
public enum RunStore {
    /// Events of a log; lines that are not events (a line torn by a crash) are skipped and
    /// their numbers returned.
    public static func readEvents(_ path: String) -> (events: [RunEvent], skipped: [Int]) {
        guard let data = FileRead.contents(path, maxBytes: 4 << 30) else { return ([], []) }
        var events: [RunEvent] = [], skipped: [Int] = []
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            if let e = RunEvent(jsonLine: String(decoding: line, as: UTF8.self)) { events.append(e) } else { skipped.append(n + 1) }
        }
        return (events, skipped)
    }

    /// Is the process that wrote a run still alive?
    static func alive(_ pid: Int) -> Bool {
        guard pid > 0 else { return false }
        guard kill(pid_t(pid), 0) == 0 || errno == EPERM else { return false }
        // A zombie is dead: its parent was killed and nobody has reaped it yet (a container's
        // init that does not reap, an orphaned runner).
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z") {
            return false
        }
        return true
    }

    public static func summary(runDir: String) -> RunSummary {
        let id = (runDir as NSString).lastPathComponent
        let infoPath = runDir + "/run.json"
        guard let data = FileRead.contents(infoPath) else {
            return RunSummary(id: id, path: runDir, status: .unreadable, problem: "\(infoPath): missing")
        }
        let info: JSONValue
        do { info = try JSONParser.parse(bytes: [UInt8](data)) } catch {
            return RunSummary(id: id, path: runDir, status: .unreadable, problem: "\(infoPath): not valid JSON (\(error))")
        }
        guard info.object != nil, let raw = info["status"]?.string, var status = RunStatus(rawValue: raw) else {
            return RunSummary(id: id, path: runDir, status: .unreadable, problem: "\(infoPath): no valid \"status\"")
        }
        // A run whose process died without finishing is interrupted, not running. (A paused
        // run has checkpointed and ended its process on purpose.)
        if status == .running, !alive(info["pid"]?.int ?? 0) { status = .interrupted }
        var s = RunSummary(id: id, path: runDir, status: status, method: info["config"]?["method"]?["name"]?.string ?? info["config"]?["method"]?["method"]?.string)
        s.created = info["created"]?.string
        let (events, skipped) = readEvents(runDir + "/events.jsonl")
        if !skipped.isEmpty { s.problem = "\(runDir)/events.jsonl: skipped unreadable line(s) \(skipped.prefix(5).map(String.init).joined(separator: ", "))" }
        for e in events {
            switch e.kind {
            case .started(let total, let method, _): s.totalSteps = total; s.method = s.method ?? method
            case .step(let f): s.step = f.step; s.totalSteps = f.totalSteps; s.lastLoss = f.loss; s.tokensPerS = f.tokensPerS
            case .validation(_, let loss, let m):
                s.bestValidLoss = min(s.bestValidLoss ?? loss, loss)
                if let b = m["BLEU"] { s.bestValidBLEU = max(s.bestValidBLEU ?? b, b) }
            default: break
            }
        }
        return s
    }

    /// Every run under `workspace/runs`, oldest first.
    public static func list(workspace: String) -> [RunSummary] {
        let root = workspace + "/runs"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }
        return names.map { summary(runDir: root + "/" + $0) }
            .sorted { ($0.created ?? "", $0.id) < ($1.created ?? "", $1.id) }
    }
}

extension RunStore {
    /// One run of `runs list --json`.
    public static func json(_ s: RunSummary) -> JSONValue {
        func opt(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        return .object([("id", .string(s.id)), ("path", .string(s.path)), ("status", .string(s.status.rawValue)),
                        ("method", s.method.map { .string($0) } ?? .null), ("step", .number(Double(s.step))),
                        ("total_steps", s.totalSteps.map { .number(Double($0)) } ?? .null), ("loss", opt(s.lastLoss)),
                        ("best_valid_loss", opt(s.bestValidLoss)), ("best_valid_bleu", opt(s.bestValidBLEU)),
                        ("tokens_per_s", opt(s.tokensPerS)), ("created", s.created.map { .string($0) } ?? .null),
                        ("problem", s.problem.map { .string($0) } ?? .null)])
    }

    /// `runs list` as a table: a header line, then a line per run.
    public static func table(_ runs: [RunSummary]) -> [String] {
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
        func f(_ x: Double?, _ fmt: String) -> String { x.map { String(format: fmt, $0) } ?? "–" }
        // The name column fits the longest id; BLEU on 0-100 as everywhere a person reads it;
        // tokens/s only while a run trains (a finished run's last pace is not news).
        let w = max(24, (runs.map(\.id.count).max() ?? 0) + 1)
        return [pad("run", w) + " method     status       step        loss   val loss  val BLEU  tok/s"] + runs.map { s in
            let step = s.totalSteps.map { "\(s.step)/\($0)" } ?? "\(s.step)"
            return [pad(s.id, w), pad(s.method ?? "?", 10), pad(s.status.rawValue, 12), pad(step, 11), pad(f(s.lastLoss, "%.4f"), 7),
                    pad(f(s.bestValidLoss, "%.4f"), 9), pad(f(s.bestValidBLEU.map { $0 * 100 }, "%.2f"), 9),
                    s.status == .running ? f(s.tokensPerS, "%.0f") : "–"].joined(separator: " ")
        }
    }
}
