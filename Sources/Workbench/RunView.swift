import Screen
import Events
import Specs

/// Everything the workbench shows about one run, folded from its events (live or replayed)
/// plus what its run.json and metrics.json say. Finished and live runs are built the same way.
public struct RunView: Sendable {
    public var id: String
    public var group: String?
    public var method: String
    public var prefixLength: Int?
    /// What sets the run's method apart from its plain form ("top2", "lin b5", "r8"); nil: plain.
    public var variant: String?
    public var reparam: String?
    public var seed: Int?
    public var status: RunStatus
    public var step = 0
    public var totalSteps: Int?
    public var losses: [Point] = []
    public var validLosses: [Point] = []
    public var validBLEU: [Point] = []
    public var lrs: [Point] = []
    public var tokensPerS: Double?
    public var error: String?
    /// Seconds per step over the latest steps, for the ETA.
    public var secondsPerStep: Double?
    public var lastStepTime: String?
    /// (step, seconds) of the latest step events, for the pace.
    var paceWindow: [(step: Int, time: Double)] = []
    /// Configuration as flat key = value lines (for the config diff).
    public var config: [(String, String)] = []
    /// Test metrics (metrics.json or an evaluation event).
    public var metrics: [String: Double] = [:]
    public var trainableParams: Int?
    public var storedParams: Int?
    public var modelParams: Int?
    public var trainSeconds: Double?
    /// Trained by another process (a headless `prefixlab train`): shown live, never touched.
    public var external = false
    /// Outputs being generated for a split: sources done of total (from `generation` events).
    public var generation: (split: String, done: Int, total: Int)? = nil

    public struct Point: Sendable, Equatable {
        public var x: Double, y: Double
        public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    }

    public init(id: String, method: String = "?", status: RunStatus = .queued) {
        self.id = id; self.method = method; self.status = status
    }

    public var isActive: Bool { status.isActive }
    /// The method with its variant: "finetune top2", "adapter lin b5", "prefix".
    public var methodLabel: String { method + (variant.map { " " + $0 } ?? "") }
    public var lastLoss: Double? { losses.last?.y }
    public var bestValidLoss: Double? { validLosses.map(\.y).min() }
    public var bestBLEU: Double? { validBLEU.map(\.y).max() }

    /// Seconds left at the current pace.
    public var eta: Double? {
        guard status == .running, let total = totalSteps, let sps = secondsPerStep else { return nil }
        return Double(max(0, total - step)) * sps
    }

    /// Folds one event into the view.
    public mutating func apply(_ e: RunEvent) {
        switch e.kind {
        case .queued: status = .queued
        case let .started(total, m, params):
            totalSteps = total; method = m; trainableParams = params; status = .running; error = nil
        case let .step(s):
            // The pace over the latest steps (up to 100, since the last start or resume): one
            // slow step (a checkpoint, a validation) moves the ETA by a hundredth, not a fifth.
            if let t = RunView.parseTime(e.time) {
                if let last = paceWindow.last, s.step <= last.step || t < last.time { paceWindow.removeAll() }
                paceWindow.append((s.step, t))
                if paceWindow.count > 101 { paceWindow.removeFirst(paceWindow.count - 101) }
                if let first = paceWindow.first, let last = paceWindow.last, last.step > first.step {
                    secondsPerStep = (last.time - first.time) / Double(last.step - first.step)
                }
            }
            lastStepTime = e.time
            // A resumed run repeats no step; a restarted log might: keep the curve monotone.
            while let last = losses.last, last.x >= Double(s.step) { losses.removeLast(); lrs.removeLast() }
            step = s.step; totalSteps = s.totalSteps
            losses.append(Point(Double(s.step), s.loss)); lrs.append(Point(Double(s.step), s.lr))
            tokensPerS = s.tokensPerS
            if status != .running && status != .paused { status = .running }
        case let .validation(step, loss, m):
            validLosses.append(Point(Double(step), loss))
            if let b = m["BLEU"] { validBLEU.append(Point(Double(step), b)) }
        case let .evaluation(_, m): metrics.merge(m) { $1 }; generation = nil
        case let .generation(split, done, total): generation = done < total ? (split, done, total) : nil
        case .paused: status = .paused; lastStepTime = nil; paceWindow.removeAll()
        case .resumed: status = .running; lastStepTime = nil; paceWindow.removeAll()
        case let .finished(_, outcome): status = outcome == "cancelled" ? .cancelled : .done
        case let .failed(_, err): status = .failed; error = err; generation = nil
        case .sampleOutputs, .checkpoint, .log: break
        }
    }

    static func seconds(from a: String, to b: String) -> Double? {
        guard let x = RunView.parseTime(a), let y = RunView.parseTime(b) else { return nil }
        return y - x
    }

    /// Seconds since midnight of an ISO-8601 time like 2026-11-27T09:12:03.123Z (days ignored:
    /// only differences between nearby steps are taken).
    static func parseTime(_ s: String) -> Double? {
        guard let t = s.split(separator: "T").last else { return nil }
        let parts = t.dropLast(t.hasSuffix("Z") ? 1 : 0).split(separator: ":")
        guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let sec = Double(parts[2]) else { return nil }
        return h * 3600 + m * 60 + sec
    }
}
