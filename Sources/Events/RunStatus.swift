/// A run's state, as run.json's `status` records it and the workbench shows it.
/// `interrupted` and `unreadable` are never written: the store reads them (a run marked
/// running whose process died; a run.json that cannot be parsed).
public enum RunStatus: String, Sendable, CaseIterable, Codable {
    case queued, running, paused, done, failed, cancelled, interrupted, unreadable

    /// Training, or waiting to train.
    public var isActive: Bool { self == .running || self == .queued }
    /// Stopped in a state that `train --resume` continues.
    public var isResumable: Bool { [.paused, .interrupted, .cancelled, .failed, .queued].contains(self) }
}
