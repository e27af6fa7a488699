import Foundation
import Support
import Tuning
#if canImport(Glibc)
import Glibc
#endif

/// A training job's progress on stderr: a live bar on a terminal, a line every few seconds in
/// a log (the run manager's children write to RUN/output.log).
public final class ConsoleReporter: TrainingReporter {
    public let isTTY = isatty(2) != 0
    private var recent: [Double] = []
    private var lastPlain = 0.0

    public init() {}

    public func step(_ s: TrainerStep) {
        recent.append(s.seconds)
        if recent.count > 20 { recent.removeFirst() }
        let perStep = recent.reduce(0, +) / Double(recent.count)
        let eta = Double(s.totalSteps - s.step) * perStep
        let tps = Double(s.tokens) / max(s.seconds, 1e-9)
        let text = String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %@", s.step, s.totalSteps, s.loss, s.lr, tps, Self.duration(eta))
        if isTTY {
            let width = 20, filled = Int(Double(width) * Double(s.step) / Double(max(1, s.totalSteps)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + bar + " " + text).utf8))
        } else {
            let now = MonotonicClock.now()
            if now - lastPlain >= 5 || s.step == s.totalSteps || s.step == 1 {
                lastPlain = now
                line(text)
            }
        }
    }

    public func line(_ text: String) {
        FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[2K" : "") + text + "\n").utf8))
    }

    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
