import Events
import Foundation
import JSON
import Jobs
import Models
import Runs
import Support
import Tuning
import Screen
import Terminal
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// Wires the workbench: the run store and event bus feed `reduce`, `render` draws each frame,
/// the terminal shows it, and effects go to the run manager, the decoder and the file system.
/// The main thread only reads keys, folds events and draws: training happens in child
/// processes, log following and decoding on their own threads.
/// Unchecked Sendable: the loading thread uses only the immutable `let`s (options, workspace,
/// loader, follower); `state` is read and changed on the main thread alone.
final class WorkbenchSession: @unchecked Sendable {
    let options: WorkbenchCommand
    let workspace: Workspace
    let loader: WorkspaceLoader
    let bus = EventBus()
    let mailbox: Mailbox
    let follower: EventLogFollower
    let manager: RunManager
    let decoder = TryOwnDecoder()
    /// Actions made on other threads (loading, checks of the launch form) for the main loop.
    let inbox = ActionInbox()
    var state = AppState()
    let themesDir: String?
    var currentTheme: Theme
    let glyphs: Glyphs

    init(options: WorkbenchCommand) throws {
        self.options = options
        workspace = Workspace(path: options.workspace)
        isNew = try workspace.create()
        loader = WorkspaceLoader(workspace: workspace, samples: options.samples)
        let bus = self.bus
        mailbox = runBlocking { await bus.subscribe(.coalescingSteps(maxPending: 10_000)).mailbox }
        follower = EventLogFollower(workspace: workspace.path, bus: bus)
        manager = RunManager(executable: TerminalEnvironment.ownExecutable(), workspace: workspace, maxTraining: options.maxTraining)
        themesDir = TerminalEnvironment.themesDirectory()
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let themeName = options.theme ?? (noColor ? "monochrome" : "default")
        do { currentTheme = try Theme.load(name: themeName, directory: themesDir) } catch {
            if options.theme != nil { throw CLIError("\(error)") }
            currentTheme = .monochrome
        }
        glyphs = options.ascii || !TerminalEnvironment.localeIsUTF8() ? .ascii : .unicode
        state.theme = currentTheme.name
        state.themes = Theme.available(directory: themesDir)
        state.workspace = workspace.path
        state.cwd = FileManager.default.currentDirectoryPath
        state.readOnly = !workspace.acquireWriteLock()
        state.ascii = glyphs == .ascii
        state.methods = MethodRegistry.descriptors
        state.loading = "opening \(workspace.path)"
    }

    let isNew: Bool

    /// Reads the store on its own thread, after the first frame is drawn: seeding a new
    /// workspace, run info, the event history, the datasets and the outputs, each handed to
    /// the main loop as actions as soon as it is read, with a progress line between. Then the
    /// thread follows the logs.
    func load(into inbox: ActionInbox, readOnly: Bool) {
        if isNew, !readOnly, FileManager.default.fileExists(atPath: options.samples + "/runs") || FileManager.default.fileExists(atPath: options.samples + "/experiments") {
            inbox.post(.loading("seeding from \(options.samples)"))
            do { try workspace.seed(from: options.samples) } catch { inbox.post(.message("seeding \(workspace.path): \(error)")) }
        }
        let experiments = loader.experiments()
        // Without an experiment file, the group of the newest run (read only then).
        inbox.post(.context(group: experiments.first?["name"]?.string ?? loader.runDirs().compactMap { RunOverview.read($0).record?.group }.last ?? "",
                            model: experiments.first?["model"]?.string.map { ($0 as NSString).lastPathComponent } ?? ""))
        let dirs = loader.runDirs()
        var infos: [RunView] = []
        for (i, d) in dirs.enumerated() {
            if i % 4 == 0 { inbox.post(.loading("reading runs \(i + 1)/\(dirs.count)")) }
            let info = loader.runInfo(d)
            infos.append(info)
            inbox.post(.runInfo(info))
        }
        inbox.post(.loading("replaying the runs' events"))
        // History in time order, so the Events screen reads as it happened across runs.
        let history = follower.replay().enumerated().sorted(by: { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }).map(\.element)
        inbox.post(history.map { .event($0) } + infos.map { .runInfo($0) })  // statuses after replay
        inbox.post(.loading("reading datasets"))
        inbox.post(.datasets(loader.datasets(runs: infos)))
        inbox.post(.loading("reading test outputs"))
        // What was waiting when the workbench opened; runs queued since are already on their way.
        let waiting = infos.filter { [.paused, .interrupted, .queued].contains($0.status) && !$0.external }.map(\.id)
        inbox.post([.compare(loader.compare(runs: infos)), .loaded(resumable: waiting)])
        if readOnly { inbox.post(.message("read-only: another process holds \(workspace.path)/.lock")) }
    }

    func run() throws {
        let terminal = Terminal(theme: currentTheme, mouse: !options.noMouse)
        defer { terminal.close() }
        signal(SIGINT) { _ in workbenchInterrupted = 1 }
        signal(SIGTERM) { _ in workbenchInterrupted = 1 }
        signal(SIGHUP) { _ in workbenchInterrupted = 1 }
        var size = terminal.size
        _ = reduce(&state, .resize(width: size.width, height: size.height))
        // The first frame, before anything of the workspace is read.
        terminal.draw(render(state, glyphs: glyphs))
        let stopFollowing = ManagedFlag()
        let inbox = self.inbox
        let follower = self.follower, readOnly = state.readOnly
        let thread = Thread { [self] in
            load(into: inbox, readOnly: readOnly)
            while !stopFollowing.isSet { follower.poll(); Thread.sleep(forTimeInterval: 0.2) }
        }
        thread.start()
        defer { stopFollowing.set() }

        var dirty = true, lastDraw = 0.0, lastJobs: [String] = [], lastDetail = 0.0
        // 20 frames a second at most: smooth for a growing curve, and on two cores every frame
        // not drawn is time the training process gets.
        let frame = 1.0 / 20
        while !state.quitting {
            var resized = false
            // Block for input at most one frame when something may need drawing, longer when idle.
            let key = terminal.readKey(timeoutMs: dirty ? 20 : 100, resized: &resized)
            var effects: [Effect] = []
            if resized {
                size = terminal.size
                effects += reduce(&state, .resize(width: size.width, height: size.height))
                terminal.invalidate(); dirty = true
            }
            if let key { effects += reduce(&state, .key(key)); dirty = true }
            if workbenchInterrupted != 0 { effects += reduce(&state, .interrupt) }
            let loaded = inbox.take()
            for a in loaded { effects += reduce(&state, a) }
            if !loaded.isEmpty { dirty = true }
            let events = mailbox.drain()
            var reloadRuns = Set<String>()
            for e in events {
                effects += reduce(&state, .event(e))
                switch e.kind {
                case .evaluation, .finished, .failed, .paused, .started, .resumed: reloadRuns.insert(e.run)
                default: break
                }
            }
            if !events.isEmpty { dirty = true }
            for id in reloadRuns where FileManager.default.fileExists(atPath: workspace.runsPath + "/" + id + "/run.json") {
                var info = loader.runInfo(workspace.runsPath + "/" + id)
                // Ownership is who holds the run's lock now, checked again on every start.
                info.external = manager.isExternal(id)
                _ = reduce(&state, .runInfo(info))
            }
            if reloadRuns.contains(where: { id in events.contains { if case .evaluation = $0.kind { return $0.run == id }; return false } }) {
                _ = reduce(&state, .compare(loader.compare(runs: state.runs)))
            }
            manager.tick()
            let jobs = manager.status
            if jobs != lastJobs { _ = reduce(&state, .jobs(jobs)); lastJobs = jobs; dirty = true }
            for m in manager.takeMessages() {
                _ = reduce(&state, .message(m)); dirty = true
            }
            for (run, text) in decoder.take() { _ = reduce(&state, .tryOwnOutput(run: run, output: text)); dirty = true }
            for map in decoder.takeAttention() { _ = reduce(&state, .attention(map)); dirty = true }
            for view in decoder.takePrefixViews() { _ = reduce(&state, .prefixMeaning(view)); dirty = true }
            for e in effects { handle(e, terminal: terminal) }
            if case .detail(let id, _) = state.mode, Date().timeIntervalSinceReferenceDate - lastDetail >= 1 {
                lastDetail = Date().timeIntervalSinceReferenceDate
                if state.detail != nil { readDetail(id) }
            }
            let now = Date().timeIntervalSinceReferenceDate
            if dirty && now - lastDraw >= frame {
                terminal.draw(render(state, glyphs: glyphs))
                lastDraw = now; dirty = false
            }
        }
    }

    /// Reads a run's folder for the detail view off the main thread (a long events.jsonl takes
    /// a moment); the loop asks again every second while the view is open, so it follows the run.
    func readDetail(_ id: String) {
        let loader = self.loader, inbox = self.inbox
        Thread { inbox.post(.detail(loader.detail(id))) }.start()
    }

    func handle(_ e: Effect, terminal: Terminal) {
        switch e {
        case .launch(let form):
            let id = form["name"]
            do {
                try manager.enqueueTraining(id: id, spec: form.spec(), group: form["group"].isEmpty ? nil : form["group"], engine: form.engine)
                _ = reduce(&state, .runInfo(loader.runInfo(workspace.runsPath + "/" + id)))
            } catch { _ = reduce(&state, .message("\(id): \(error)")) }
        case .checkLaunch(let form):
            let inbox = self.inbox
            guard let spec = try? form.spec().withAbsolutePaths() else { inbox.post(.launchChecked(["method": "the form's values do not make a run"])); return }
            let torch = form.engine != nil
            Thread {
                var problems = LaunchCheck.problems(spec)
                // The torch engine must be installed; the form says how to install it.
                if torch { do { _ = try TorchEngine.python() } catch { problems["engine"] = "\(error)" } }
                inbox.post(.launchChecked(problems))
            }.start()
        case .openDetail(let id): readDetail(id)
        case .start(let id): manager.startNext(id: id)
        case .pause(let id): manager.request("pause", id: id); _ = reduce(&state, .message("pausing \(id) after its current step"))
        case .cancel(let id): manager.request("cancel", id: id); _ = reduce(&state, .message("cancelling \(id) after its current step"))
        case .resume(let id):
            // A run cancelled while still queued never wrote a folder: nothing to resume.
            guard FileManager.default.fileExists(atPath: workspace.runsPath + "/" + id + "/run.json") else {
                _ = reduce(&state, .message("\(id) never started: launch it again (n)")); return
            }
            do { try manager.enqueueResume(id: id) } catch { _ = reduce(&state, .message("\(error)")) }
        case .generateMissing(let ids):
            let experimentTest = loader.experiments().first?["test"]?.string
            for id in ids {
                let spec = try? RunRecord.read(workspace.runsPath + "/" + id).spec
                guard let test = spec?.test ?? experimentTest else {
                    _ = reduce(&state, .message("\(id): no test data known (experiment or run)")); continue
                }
                do { try manager.enqueueEvaluation(id: id, test: spec?.test == nil ? test : nil) } catch { _ = reduce(&state, .message("\(error)")) }
            }
        case .decode(let source, let runs):
            decoder.submit(source: source, runDirs: runs.map { ($0, workspace.runsPath + "/" + $0) })
        case .inspectPrefix(let run):
            decoder.submitPrefix(run: run, dir: workspace.runsPath + "/" + run)
        case .inspectAttention(let source, let runs):
            decoder.submitAttention(source: source, runDirs: runs.map { ($0, workspace.runsPath + "/" + $0) })
        case .export:
            let rows = AblationModel.sorted(AblationModel.rows(state.groupRuns), by: state.ablationSort)
            let base = workspace.path + "/exports/" + (state.groupName.isEmpty ? "ablation" : state.groupName)
            do {
                try AtomicFile.write(Data(AblationModel.markdown(rows).utf8), to: base + ".md")
                try AtomicFile.write(Data(AblationModel.csv(rows).utf8), to: base + ".csv")
                _ = reduce(&state, .message("exported \(base).md and .csv"))
            } catch { _ = reduce(&state, .message("export failed: \(error)")) }
        case .runGroup(let group):
            do {
                let exp = try Experiment.load(path: workspace.experimentsPath + "/" + group + ".json")
                let (queued, failures) = manager.enqueueMissing(exp, present: Set(state.runs.map(\.id)))
                for id in queued { _ = reduce(&state, .runInfo(loader.runInfo(workspace.runsPath + "/" + id))) }
                _ = reduce(&state, .message(failures.first ?? (queued.isEmpty ? "\(group): every run exists" : "\(group): queued \(queued.joined(separator: ", "))")))
            } catch { _ = reduce(&state, .message("\(error)")) }
        case .setTheme(let name):
            if let t = try? Theme.load(name: name, directory: themesDir) { currentTheme = t; terminal.apply(t) }
        case .quit(let pause):
            if pause && !state.readOnly {
                let paused = manager.pauseAll()
                if !paused.isEmpty { FileHandle.standardError.write(Data("pausing \(paused.joined(separator: ", ")): they checkpoint and stop; the next launch offers to resume them\n".utf8)) }
            }
        }
    }
}

/// Actions made off the main thread (the loader's), for the main loop to fold in.
final class ActionInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [Action] = []
    func post(_ a: Action) { post([a]) }
    func post(_ a: [Action]) { lock.lock(); actions += a; lock.unlock() }
    func take() -> [Action] { lock.lock(); defer { actions = []; lock.unlock() }; return actions }
}

final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
