import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Requests to stop a training process between steps: a `control` file in the run folder
/// ("pause" or "cancel", written by the workbench's run manager), or SIGINT/SIGTERM (Ctrl-C in
/// the terminal, a workbench quitting, a scheduler), which pause. Either way the trainer
/// checkpoints before it stops, so nothing is lost and `--resume` continues the run.
public final class StopRequests {
    public enum Request: Sendable { case pause, cancel }
    public let controlPath: String
    public private(set) var requested: Request?

    public init(runDir: String) {
        controlPath = runDir + "/control"
        signal(SIGINT) { _ in stopSignalled = 1 }
        signal(SIGTERM) { _ in stopSignalled = 1 }
    }

    /// Checked once per step: one access(2) call, no allocation unless a request exists.
    public func check() -> Request? {
        if requested != nil { return requested }
        if stopSignalled != 0 { requested = .pause; return requested }
        guard access(controlPath, F_OK) == 0 else { return nil }
        let text = FileRead.string(controlPath, maxBytes: 4096)?.trimmingCharacters(in: .whitespacesAndNewlines)
        requested = text == "cancel" ? .cancel : .pause
        return requested
    }

    public func clear() { try? FileManager.default.removeItem(atPath: controlPath) }
}

/// Set by SIGINT/SIGTERM: the training job pauses after its current step.
nonisolated(unsafe) public var stopSignalled: sig_atomic_t = 0
