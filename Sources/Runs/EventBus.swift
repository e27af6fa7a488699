import Events
import Foundation

/// The spine between training engines, the UI and the logs: any number of subscribers, each
/// with its own AsyncStream and backpressure policy (see `Mailbox`).
///
/// Subscribing and closing are actor-isolated. Publishing is `nonisolated` and synchronous so
/// that a training thread (not Swift's cooperative pool) posts without awaiting: events from
/// one thread reach every subscriber in the order posted, and the post never blocks on a
/// subscriber. Commands to an engine do not travel here: a run's engine is another process
/// (a child `prefixlab train`, the PyTorch runner), so they go through the run folder's
/// `control` file, which every engine reads between steps (docs/RUNS.md).
public actor EventBus {
    private let registry = Registry()

    public init() {}

    /// A stream of the events posted from now on.
    public func subscribe(_ policy: Mailbox.Policy = .everything) -> (stream: AsyncStream<RunEvent>, mailbox: Mailbox) {
        let box = Mailbox(policy: policy)
        registry.add(box)
        let stream = AsyncStream<RunEvent> { await box.next() }
        return (stream, box)
    }

    public func unsubscribe(_ box: Mailbox) {
        registry.remove(box)
        box.close()
    }

    /// Ends every subscriber's stream.
    public func close() {
        for b in registry.removeAll() { b.close() }
    }

    /// Posts an event to every subscriber; callable from any thread, never waits.
    public nonisolated func post(_ event: RunEvent) {
        for b in registry.snapshot() { b.post(event) }
    }

    final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var boxes: [Mailbox] = []
        func add(_ b: Mailbox) { lock.lock(); boxes.append(b); lock.unlock() }
        func remove(_ b: Mailbox) { lock.lock(); boxes.removeAll { $0 === b }; lock.unlock() }
        func removeAll() -> [Mailbox] { lock.lock(); defer { boxes = []; lock.unlock() }; return boxes }
        func snapshot() -> [Mailbox] { lock.lock(); defer { lock.unlock() }; return boxes }
    }
}
