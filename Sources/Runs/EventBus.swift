import Foundation

/// The spine between training engines, the UI and the logs: any number of subscribers, each
/// with its own AsyncStream and backpressure policy (see `Mailbox`).
///
/// Subscribing and closing are actor-isolated. Publishing is `nonisolated` and synchronous so
/// that a training thread (not Swift's cooperative pool) posts without awaiting: events from
/// one thread reach every subscriber in the order posted, and the post never blocks on a
/// subscriber. Commands flow back through `commands(for:)`, which an engine drains between steps.
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

    /// The command queue of a run: the UI sends, the engine polls between steps.
    public nonisolated func commands(for run: String) -> CommandQueue { registry.commands(run) }

    final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var boxes: [Mailbox] = []
        private var queues: [String: CommandQueue] = [:]
        func add(_ b: Mailbox) { lock.lock(); boxes.append(b); lock.unlock() }
        func remove(_ b: Mailbox) { lock.lock(); boxes.removeAll { $0 === b }; lock.unlock() }
        func removeAll() -> [Mailbox] { lock.lock(); defer { boxes = []; lock.unlock() }; return boxes }
        func snapshot() -> [Mailbox] { lock.lock(); defer { lock.unlock() }; return boxes }
        func commands(_ run: String) -> CommandQueue {
            lock.lock(); defer { lock.unlock() }
            if let q = queues[run] { return q }
            let q = CommandQueue()
            queues[run] = q
            return q
        }
    }
}

/// Commands for one engine, in the order sent; the engine takes them all between steps.
public final class CommandQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [EngineCommand] = []
    public func send(_ c: EngineCommand) { lock.lock(); pending.append(c); lock.unlock() }
    public func takeAll() -> [EngineCommand] { lock.lock(); defer { pending = []; lock.unlock() }; return pending }
}
