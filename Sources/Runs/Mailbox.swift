import Events
import Foundation

/// One subscriber's queue of undelivered events, filled by publishers on any thread and
/// drained by the subscriber's AsyncStream.
///
/// Backpressure policy:
/// - `.everything` (the log writer): every event is kept until read; the queue is unbounded,
///   so this subscriber must keep up (writing a line to a file does).
/// - `.coalescingSteps(maxPending:)` (the UI): a step event replaces the undelivered step event
///   of the same run, so a subscriber that reads slowly or never sees the latest step (and
///   `coalescedSteps` counts what it skipped); other events queue, and beyond `maxPending`
///   the oldest `log` events go first, then the oldest others. Memory is bounded and the
///   publisher never waits: a slow subscriber cannot slow training.
public final class Mailbox: @unchecked Sendable {
    public enum Policy: Sendable, Equatable {
        case everything
        case coalescingSteps(maxPending: Int)
    }

    public let policy: Policy
    private let lock = NSLock()
    private var queue: [RunEvent] = []
    private var head = 0
    private var waiter: CheckedContinuation<RunEvent?, Never>? = nil
    private var closed = false
    public private(set) var coalescedSteps = 0
    public private(set) var dropped = 0

    public init(policy: Policy) { self.policy = policy }

    /// Undelivered events (for tests and diagnostics).
    public var pendingCount: Int { lock.lock(); defer { lock.unlock() }; return queue.count - head }

    func post(_ e: RunEvent) {
        lock.lock()
        if closed { lock.unlock(); return }
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume(returning: e)
            return
        }
        if case .coalescingSteps(let maxPending) = policy {
            if e.isStep, let i = queue[head...].lastIndex(where: { $0.isStep && $0.run == e.run }) {
                queue[i] = e
                coalescedSteps += 1
                lock.unlock()
                return
            }
            queue.append(e)
            while queue.count - head > maxPending {
                let victim = queue[head...].firstIndex { if case .log = $0.kind { return true }; return false } ?? head
                queue.remove(at: victim)
                dropped += 1
            }
        } else {
            queue.append(e)
        }
        if head > 1024 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
        lock.unlock()
    }

    /// Takes every undelivered event without waiting: for a subscriber that polls on its own
    /// frame tick (the workbench's main loop) instead of awaiting the stream.
    public func drain() -> [RunEvent] {
        lock.lock()
        defer { lock.unlock() }
        let out = Array(queue[head...])
        queue.removeAll(keepingCapacity: true)
        head = 0
        return out
    }

    func next() async -> RunEvent? {
        await withCheckedContinuation { (c: CheckedContinuation<RunEvent?, Never>) in
            lock.lock()
            if head < queue.count {
                let e = queue[head]
                head += 1
                lock.unlock()
                c.resume(returning: e)
            } else if closed {
                lock.unlock()
                c.resume(returning: nil)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }

    func close() {
        lock.lock()
        closed = true
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(returning: nil)
    }
}
