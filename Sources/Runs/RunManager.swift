import Events
import Foundation
import Jobs
import Specs
import Support

/// Queues and hosts jobs for the workbench: training runs one at a time by default (two
/// cores), evaluation jobs behind them. Each job is a child `prefixlab` process working on a
/// run folder, so a crash in a run cannot take the UI down and the UI can never block
/// training; the workbench follows the runs' events.jsonl as it does for runs that another
/// terminal started. A launched run's folder is created at once, holding its spec with status
/// `queued` (so a run that fails to start shows why, and keeps its name), and its process is
/// `prefixlab train --resume RUN`. Pause and cancel are requests the engine reads between steps
/// (`RUN/control`): it checkpoints, then stops as paused (resumable) or cancelled. A child's
/// output goes to `RUN/output.log`.
public final class RunManager: @unchecked Sendable {
    /// What a child process does; the only place that writes the command lines of jobs.
    public enum Job: Sendable, Equatable {
        case train(run: String)
        case evaluate(run: String, test: String?)

        public var run: String {
            switch self { case .train(let r), .evaluate(let r, _): return r }
        }
        var isTraining: Bool { if case .train = self { return true }; return false }

        func arguments(runDir: String) -> [String] {
            switch self {
            case .train: return ["train", "--resume", runDir]
            case .evaluate(_, let test): return ["evaluate", "--run", runDir] + (test.map { ["--test", $0] } ?? [])
            }
        }
    }

    public let executable: String
    public let workspace: Workspace
    public var maxTraining: Int
    private let lock = NSLock()
    private var queue: [Job] = []
    private var running: [(job: Job, process: Process)] = []
    /// Runs asked to pause or cancel whose process has not ended yet: a resume asked meanwhile
    /// (r right after p) waits in the queue for it instead of being taken for a duplicate.
    private var stopping: Set<String> = []
    private var finishedMessages: [String] = []

    public init(executable: String, workspace: Workspace, maxTraining: Int = 1) {
        self.executable = executable; self.workspace = workspace; self.maxTraining = maxTraining
    }

    func runDir(_ id: String) -> String { workspace.runsPath + "/" + id }

    /// Creates run `id` from its spec (status `queued`) and queues its training.
    /// `engine`: the PyTorch runner (and its launcher) instead of this program; `train --resume`
    /// follows run.json's `engine`.
    public func enqueueTraining(id: String, spec: RunSpec, group: String?, engine: EngineChoice? = nil) throws {
        let dir = try workspace.runFolder(id)
        let engineArgs = engine?.arguments ?? []
        try TrainingJob.queue(spec, at: dir, group: group, commandLine: ["prefixlab", "train"] + spec.commandLine + engineArgs + (group.map { ["--group", $0] } ?? []) + ["--out", dir],
                              engine: engine)
        try RunFolder.open(path: dir).append(.queued)
        enqueue(.train(run: id))
    }

    /// Queues every run of an experiment the workspace lacks; returns the ids queued and a
    /// message for each run that could not be.
    public func enqueueMissing(_ exp: Experiment, present: Set<String>) -> (queued: [String], failures: [String]) {
        var queued: [String] = [], failures: [String] = []
        for r in exp.runs where !present.contains(r.name) {
            do { try enqueueTraining(id: r.name, spec: r.spec, group: exp.name, engine: exp.engine); queued.append(r.name) } catch { failures.append("\(r.name): \(error)") }
        }
        return (queued, failures)
    }

    /// Queues the training of an existing run (paused, interrupted, failed, cancelled, queued).
    public func enqueueResume(id: String) throws {
        let dir = try workspace.runFolder(id)
        try? FileManager.default.removeItem(atPath: dir + "/control")
        enqueue(.train(run: id))
    }

    /// Queues generating and scoring a run's test split.
    public func enqueueEvaluation(id: String, test: String?) throws {
        _ = try workspace.runFolder(id)
        enqueue(.evaluate(run: id, test: test))
    }

    /// A job already queued or running is not queued twice.
    private func enqueue(_ job: Job) {
        lock.lock()
        if !queue.contains(job) && !running.contains(where: { $0.job == job && !stopping.contains(job.run) }) { queue.append(job) }
        lock.unlock()
    }

    /// Moves a queued run to the front.
    public func startNext(id: String) {
        lock.lock()
        if let i = queue.firstIndex(where: { $0.run == id }) { let j = queue.remove(at: i); queue.insert(j, at: 0) }
        lock.unlock()
    }

    /// Asks a running run to checkpoint and stop (pause) or stop for good (cancel); a queued
    /// one is taken off the queue and its folder says so.
    public func request(_ command: String, id: String) {
        lock.lock()
        if let i = queue.firstIndex(where: { $0.run == id && $0.isTraining }) {
            queue.remove(at: i)
            lock.unlock()
            unqueued(id, cancelled: command == "cancel")
            return
        }
        if running.contains(where: { $0.job.run == id && $0.job.isTraining }) { stopping.insert(id) }
        lock.unlock()
        guard let dir = try? workspace.runFolder(id) else { return }
        try? Data((command + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/control"), options: .atomic)
    }

    /// A queued run that will not start now: its folder records it as paused or cancelled at step 0.
    private func unqueued(_ id: String, cancelled: Bool) {
        guard let folder = try? RunFolder.open(path: runDir(id)) else { return }
        try? folder.update([("status", .string((cancelled ? RunStatus.cancelled : .paused).rawValue))])
        folder.append(cancelled ? .finished(step: 0, outcome: "cancelled") : .paused(step: 0))
    }

    /// Whether the run is this workbench's: queued here, or its lock is held by a process this
    /// manager started (nobody holding it: nobody trains it, so nothing external either). A run
    /// another terminal resumes is external from its `resumed` event on, whoever launched it
    /// before, and never paused or cancelled from here.
    public func owns(_ id: String) -> Bool {
        let holder = RunFolder.lockHolder(runDir(id))
        lock.lock(); defer { lock.unlock() }
        if let holder { return ProcessTree.descends(holder, from: Set(running.map { $0.process.processIdentifier })) }
        return queue.contains { $0.run == id } || running.contains { $0.job.run == id }
    }

    /// Whether another process (not one of this manager's children) holds the run's lock.
    public func isExternal(_ id: String) -> Bool {
        guard RunFolder.lockHolder(runDir(id)) != nil else { return false }
        return !owns(id)
    }

    public var isTraining: Bool { lock.lock(); defer { lock.unlock() }; return running.contains { $0.job.isTraining } }

    /// The jobs for the header: running first, then how many wait.
    public var status: [String] {
        lock.lock(); defer { lock.unlock() }
        return running.map { ($0.job.isTraining ? "training " : "evaluating ") + $0.job.run } + (queue.isEmpty ? [] : ["\(queue.count) queued"])
    }

    /// Messages about jobs that ended since the last call (an evaluation that failed, ...).
    public func takeMessages() -> [String] {
        lock.lock(); defer { finishedMessages = []; lock.unlock() }
        return finishedMessages
    }

    /// Reaps ended jobs and starts queued ones: training while fewer than `maxTraining`
    /// train, evaluation only while nothing trains. Call it on the frame tick.
    public func tick() {
        lock.lock()
        defer { lock.unlock() }
        running.removeAll { r in
            guard !r.process.isRunning else { return false }
            stopping.remove(r.job.run)
            let status = r.process.terminationStatus
            if status != 0 {
                // What the user needs is the reason, the process's last error line, not its status.
                let reason = lastErrorLine(r.job.run) ?? "exited with status \(status)"
                finishedMessages.append("\(r.job.run): \(r.job.isTraining ? "training" : "evaluation") failed: \(reason)")
                if r.job.isTraining {
                    recordCrash(r.job.run, status: status, signalled: r.process.terminationReason == .uncaughtSignal)
                } else if let folder = try? RunFolder.open(path: runDir(r.job.run)) {
                    // The run's training stands; its log says the evaluation failed and why.
                    folder.append(.log("evaluation failed: \(reason)"))
                }
            }
            return true
        }
        let training = running.filter { $0.job.isTraining }.count
        if let i = queue.firstIndex(where: { $0.isTraining }), training < maxTraining {
            launch(queue.remove(at: i))
        } else if training == 0, running.isEmpty, let i = queue.firstIndex(where: { !$0.isTraining }) {
            launch(queue.remove(at: i))
        }
    }

    /// A training process that died without recording why (a signal, a crash): the run says so.
    private func recordCrash(_ id: String, status: Int32, signalled: Bool) {
        // Another process holds the run (its lock): the child stopped at the lock; not ours to mark.
        guard !RunFolder.isLocked(runDir(id)), let folder = try? RunFolder.open(path: runDir(id)) else { return }
        let recorded = folder["status"]?.string
        guard recorded == RunStatus.running.rawValue || recorded == RunStatus.queued.rawValue else { return }
        let why = "the training process \(signalled ? "was killed by signal" : "exited with status") \(status)"
            + (lastErrorLine(id).map { ": " + $0 } ?? "") + " (log: \(logPath(id)))"
        try? folder.update([("status", .string(RunStatus.failed.rawValue)), ("error", .string(why))])
        folder.append(.failed(step: 0, error: why))
    }

    public func logPath(_ id: String) -> String { runDir(id) + "/output.log" }

    /// The last non-empty line a job wrote to its log ("Error: " dropped), made safe to show.
    func lastErrorLine(_ id: String) -> String? {
        guard let text = FileRead.tail(logPath(id), maxBytes: 16 << 10) else { return nil }
        guard let line = text.split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return nil }
        let l = line.hasPrefix("Error: ") ? line.dropFirst(7) : line[...]
        return Escaped(String(l), limit: 300).description
    }

    private func launch(_ job: Job) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = job.arguments(runDir: runDir(job.run))
        let log = logPath(job.run)
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        if let h = FileHandle(forWritingAtPath: log) { _ = try? h.seekToEnd(); p.standardOutput = h; p.standardError = h }
        p.standardInput = FileHandle.nullDevice
        do {
            try p.run()
            running.append((job, p))
        } catch {
            finishedMessages.append("\(job.run): cannot start \(executable): \(error.localizedDescription)")
            if job.isTraining, let folder = try? RunFolder.open(path: runDir(job.run)) {
                try? folder.update([("status", .string(RunStatus.failed.rawValue)), ("error", .string("cannot start: \(error.localizedDescription)"))])
                folder.append(.failed(step: 0, error: "cannot start \(executable): \(error.localizedDescription)"))
            }
        }
    }

    /// Asks every running training job to checkpoint and pause (the workbench is quitting);
    /// the children finish their current step, save, and exit on their own. Queued runs stay
    /// queued: their folders say so, and the next launch offers to start them.
    public func pauseAll() -> [String] {
        lock.lock()
        let ids = running.filter { $0.job.isTraining }.map(\.job.run)
        queue.removeAll()
        lock.unlock()
        for id in ids { request("pause", id: id) }
        return ids
    }
}
