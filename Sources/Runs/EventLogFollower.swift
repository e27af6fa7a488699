import Events
import Foundation

/// Follows the events.jsonl files of a workspace's runs, whoever writes them (another
/// `prefixlab train`, an external engine): first it replays each log as it stands, then it
/// posts every complete line appended since, so finished and live runs reach the bus alike.
/// A line still being written (no newline yet) waits for its end; lines that are not events
/// are skipped.
public final class EventLogFollower: @unchecked Sendable {
    public let workspace: String
    private let bus: EventBus
    private var offsets: [String: UInt64] = [:]
    private var partial: [String: Data] = [:]
    private let lock = NSLock()

    public init(workspace: String, bus: EventBus) {
        self.workspace = workspace
        self.bus = bus
    }

    /// Reads what is new in every run's log and posts it; returns how many events were posted.
    /// Call it periodically (the workbench does, on its frame tick).
    @discardableResult
    public func poll() -> Int {
        var posted = 0
        read { bus.post($0); posted += 1 }
        return posted
    }

    /// Reads every log as it stands and returns the events instead of posting them: the
    /// workbench replays history straight into its state (a coalescing subscriber would keep
    /// only each run's last step), then follows what is appended with `poll`.
    public func replay() -> [RunEvent] {
        var events: [RunEvent] = []
        read { events.append($0) }
        return events
    }

    private func read(_ deliver: (RunEvent) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        let root = workspace + "/runs"
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        for id in runs {
            let path = root + "/" + id + "/events.jsonl"
            guard let h = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? h.close() }
            let start = offsets[path] ?? 0
            guard let end = try? h.seekToEnd(), end > start else { continue }
            try? h.seek(toOffset: start)
            guard let chunk = try? h.read(upToCount: Int(end - start)) else { continue }
            offsets[path] = end
            var data = (partial[path] ?? Data()) + chunk
            // Only complete lines; the rest waits for the writer to finish it.
            if let lastNewline = data.lastIndex(of: 0x0A) {
                let complete = data[data.startIndex...lastNewline]
                data = Data(data[data.index(after: lastNewline)...])
                for line in complete.split(separator: 0x0A) {
                    if let e = RunEvent(jsonLine: String(decoding: line, as: UTF8.self)) { deliver(e) }
                }
            }
            partial[path] = data
        }
    }
}
