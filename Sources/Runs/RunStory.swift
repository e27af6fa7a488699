import Events
import Foundation
import JSON
import Support
import Tuning

/// Everything a run folder tells about its run, for the workbench's detail view: the command
/// line that reproduces it, its spec, what happened to it (status changes, checkpoints,
/// evaluations), the checkpoints on disk with their sizes, its metrics and the end of its
/// output log.
public struct RunStory: Sendable {
    public var folder: String
    public var status: String
    public var error: String?
    public var commandLine = ""
    public var spec: [(String, String)] = []
    public var history: [(String, String)] = []
    public var checkpoints: [(name: String, bytes: Int, best: Bool)] = []
    public var metrics: [(String, Double)] = []
    public var logTail: [String] = []
    public var logPath: String?

    public static func read(_ dir: String) -> RunStory {
        let o = RunOverview.read(dir)
        var d = RunStory(folder: dir, status: o.summary.status.rawValue, error: o.problem)
        let info = FileRead.contents(dir + "/run.json").flatMap { try? JSONParser.parse(bytes: [UInt8]($0)) }
        d.commandLine = (info?["command_line"]?.array?.compactMap(\.string) ?? []).map(shellQuoted).joined(separator: " ")
        d.spec = o.configLines
        let events = RunStore.readEvents(dir + "/events.jsonl").events
        for e in events {
            let what: String?
            switch e.kind {
            case .queued: what = "queued"
            case let .started(total, method, params): what = "started: \(method), \(total) steps, \(params) trainable"
            case let .paused(step): what = "paused at step \(step)"
            case let .resumed(step): what = "resumed at step \(step)"
            case let .finished(step, outcome): what = "\(outcome) at step \(step)"
            case let .failed(step, error): what = "failed at step \(step): \(error)"
            case let .checkpoint(step, _): what = "checkpoint at step \(step)"
            case let .evaluation(split, _): what = "evaluated \(split)"
            default: what = nil
            }
            if let what { d.history.append((Timestamp.display(e.time), what)) }
        }
        let best = (try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/checkpoints/best")).map { ($0 as NSString).lastPathComponent }
        d.checkpoints = CheckpointIO.steps(runDir: dir).map { c in
            let files = (try? FileManager.default.contentsOfDirectory(atPath: c.path)) ?? []
            let bytes = files.reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: c.path + "/" + $1))?[.size] as? Int) ?? 0) }
            let name = (c.path as NSString).lastPathComponent
            return (name, bytes, name == best)
        }
        d.metrics = o.metrics.keys.sorted().map { ($0, o.metrics[$0]!) }
        let log = dir + "/output.log"
        if let text = FileRead.tail(log, maxBytes: 64 << 10) {
            d.logPath = log
            d.logTail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(400).map { Escaped(String($0), limit: 400).description }
            if d.logTail.last == "" { d.logTail.removeLast() }
        } else {
            // A run trained from a terminal has no output log here: its events tell its story.
            d.logTail = events.compactMap { e in
                if e.isStep { return nil }
                if case .generation = e.kind { return nil }
                let (type, rest) = e.fields
                return Timestamp.display(e.time) + " \(type) " + rest.map { "\($0.0) \($0.1.serialized)" }.joined(separator: ", ")
            }
        }
        return d
    }

    static func shellQuoted(_ a: String) -> String {
        !a.isEmpty && a.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=,+@%".contains($0) }) ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
