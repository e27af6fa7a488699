import Foundation

/// Queues and hosts jobs for the workbench: training runs one at a time by default (two
/// cores), generation jobs behind them. Each job is a child `prefixlab` process writing the
/// run store, so a crash in a run cannot take the UI down and the UI can never block
/// training; the workbench follows the runs' events.jsonl as it does for runs that another
/// terminal started. Pause and cancel are requests the engine reads between steps
/// (`RUN/control`): it checkpoints, then stops as paused (resumable) or cancelled.
public final class RunManager: @unchecked Sendable {
    public enum Kind: String, Sendable { case train, generate }
    public struct Job: Sendable {
        public var label: String
        public var kind: Kind
        public var arguments: [String]
        public var runDir: String?
    }

    public let executable: String
    public let workspace: Workspace
    public var maxTraining: Int
    private let bus: EventBus
    private let lock = NSLock()
    private var queue: [Job] = []
    private var running: [(job: Job, process: Process)] = []
    private var finishedMessages: [String] = []
    private var launched: Set<String> = []

    public init(executable: String, workspace: Workspace, bus: EventBus, maxTraining: Int = 1) {
        self.executable = executable; self.workspace = workspace; self.bus = bus; self.maxTraining = maxTraining
    }

    /// Queues a new training run `id` (arguments without --out).
    public func enqueueTraining(id: String, arguments: [String]) {
        let dir = workspace.runsPath + "/" + id
        lock.lock()
        queue.append(Job(label: id, kind: .train, arguments: ["train"] + arguments + ["--out", dir], runDir: dir))
        lock.unlock()
        bus.post(RunEvent(run: id, .queued))
    }

    public func enqueueResume(id: String) {
        let dir = workspace.runsPath + "/" + id
        try? FileManager.default.removeItem(atPath: dir + "/control")
        lock.lock()
        queue.append(Job(label: id, kind: .train, arguments: ["train", "--resume", dir], runDir: dir))
        lock.unlock()
        bus.post(RunEvent(run: id, .queued))
    }

    public func enqueueGeneration(label: String, arguments: [String]) {
        lock.lock()
        queue.append(Job(label: label, kind: .generate, arguments: arguments, runDir: nil))
        lock.unlock()
    }

    /// Moves a queued run to the front.
    public func startNext(id: String) {
        lock.lock()
        if let i = queue.firstIndex(where: { $0.label == id }) { let j = queue.remove(at: i); queue.insert(j, at: 0) }
        lock.unlock()
    }

    /// Asks a running run to checkpoint and stop (pause) or stop for good (cancel); a queued
    /// one is just taken off the queue.
    public func request(_ command: String, id: String) {
        lock.lock()
        if let i = queue.firstIndex(where: { $0.label == id }) {
            queue.remove(at: i)
            lock.unlock()
            bus.post(RunEvent(run: id, command == "cancel" ? .finished(step: 0, outcome: "cancelled") : .paused(step: 0)))
            return
        }
        lock.unlock()
        let control = workspace.runsPath + "/" + id + "/control"
        try? Data((command + "\n").utf8).write(to: URL(fileURLWithPath: control), options: .atomic)
    }

    /// Whether this manager queued or runs the run (as opposed to another process).
    public func owns(_ id: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return queue.contains { $0.label == id } || running.contains { $0.job.label == id } || launched.contains(id)
    }

    public var isTraining: Bool { lock.lock(); defer { lock.unlock() }; return running.contains { $0.job.kind == .train } }

    /// Labels of jobs for the header: running first (a generation job with its progress,
    /// from the last "generated k/N" line of its log), then queued.
    public var status: [String] {
        lock.lock(); defer { lock.unlock() }
        return running.map { r in
            if r.job.kind == .train { return "training \(r.job.label)" }
            return "generating \(r.job.label)" + (RunManager.lastProgress(logPath(r.job)).map { " " + $0 } ?? "")
        } + (queue.isEmpty ? [] : ["\(queue.count) queued"])
    }

    /// "k/N" from the last "generated k/N" line of a log (read from its last 256 bytes).
    public static func lastProgress(_ path: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let end = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: end > 256 ? end - 256 : 0)
        guard let data = try? h.readToEnd() else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("generated ") }) else { return nil }
        return String(line.dropFirst("generated ".count))
    }

    /// Messages about jobs that ended since the last call (a generation that failed, ...).
    public func takeMessages() -> [String] {
        lock.lock(); defer { finishedMessages = []; lock.unlock() }
        return finishedMessages
    }

    /// Reaps ended jobs and starts queued ones: training while fewer than `maxTraining`
    /// train, generation only while nothing trains. Call it on the frame tick.
    public func tick() {
        lock.lock()
        defer { lock.unlock() }
        running.removeAll { r in
            guard !r.process.isRunning else { return false }
            if r.process.terminationStatus != 0 {
                finishedMessages.append("\(r.job.label): \(r.job.kind.rawValue) exited with status \(r.process.terminationStatus) (log: \(logPath(r.job)))")
            } else if r.job.kind == .generate {
                finishedMessages.append("\(r.job.label): outputs written")
            }
            return true
        }
        let training = running.filter { $0.job.kind == .train }.count
        if let i = queue.firstIndex(where: { $0.kind == .train }), training < maxTraining {
            launch(queue.remove(at: i))
        } else if training == 0, running.isEmpty, let i = queue.firstIndex(where: { $0.kind == .generate }) {
            launch(queue.remove(at: i))
        }
    }

    func logPath(_ job: Job) -> String { workspace.path + "/logs/" + job.label + ".log" }

    private func launch(_ job: Job) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = job.arguments
        FileManager.default.createFile(atPath: logPath(job), contents: nil)
        if let log = FileHandle(forWritingAtPath: logPath(job)) { p.standardOutput = log; p.standardError = log }
        p.standardInput = FileHandle.nullDevice
        do {
            try p.run()
            running.append((job, p))
            launched.insert(job.label)
        } catch {
            finishedMessages.append("\(job.label): cannot start \(executable): \(error.localizedDescription)")
            if job.kind == .train { bus.post(RunEvent(run: job.label, .failed(step: 0, error: "cannot start: \(error.localizedDescription)"))) }
        }
    }

    /// Asks every running training job to checkpoint and pause (the workbench is quitting);
    /// the children finish their current step, save, and exit on their own.
    public func pauseAll() -> [String] {
        lock.lock()
        let ids = running.filter { $0.job.kind == .train }.map(\.job.label)
        queue.removeAll()
        lock.unlock()
        for id in ids { request("pause", id: id) }
        return ids
    }
}
