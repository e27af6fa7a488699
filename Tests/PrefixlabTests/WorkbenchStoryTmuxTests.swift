import Foundation
import JSON
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The workbench's failures, ownership, detail view and first frame end to end in tmux (issue
/// #16): what a user sees when a run cannot start, when another terminal trains a run, when
/// they open a run, and how soon the first frame comes.
final class WorkbenchStoryTmuxTests: XCTestCase {
    var prefixlab: String { TestPaths.products.appendingPathComponent("prefixlab").path }

    override func setUpWithError() throws {
        guard TmuxSession.available else { throw TmuxError("tmux is not installed: tools/install-deps.sh (run by make test and .ci/run) installs it") }
    }

    func open(_ ws: String, width: Int = 130, height: Int = 36) throws -> TmuxSession {
        try TmuxSession(command: "cd '\(TestPaths.root)' && '\(prefixlab)' --workspace '\(ws)' --samples /nonexistent", width: width, height: height)
    }

    func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end { if condition() { return true }; Thread.sleep(forTimeInterval: 0.1) }
        return condition()
    }

    /// A queued run whose model folder does not exist (queued by `R` from an experiment file,
    /// which does not check files) fails when it starts: `failed` with the reason in its row,
    /// in the plot area, in Events (counted, and `f` lists it), in its detail view; and it is
    /// still there, failed, after a relaunch. The launch form refuses the same model before
    /// queueing, beside the field.
    func testARunThatCannotStartShowsFailedWithItsReasonEverywhere() throws {
        let ws = TestPaths.tempDir("wb-fail")
        try FileManager.default.createDirectory(atPath: ws + "/experiments", withIntermediateDirectories: true)
        let pairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"
        let exp = #"{"name": "bad", "model": "/nonexistent/model", "train": "\#(pairs)", "runs": [{"name": "ghost", "method": "prefix"}]}"#
        try Data(exp.utf8).write(to: URL(fileURLWithPath: ws + "/experiments/bad.json"))
        let t = try open(ws)
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") && $0.contains("bad") }, t.capture())
        t.send("R")
        let failed = t.waitFor(30) { s in
            s.split(separator: "\n").contains { $0.hasPrefix("│") && $0.contains("ghost") && $0.contains("failed") && $0.contains("✗ /nonexistent/model: model folder") }
        }
        XCTAssertNotNil(failed, "the row says failed, and why: \(t.capture())")
        XCTAssertNotNil(t.waitFor { $0.contains("✗ failed:") && $0.contains("model folder does not exist") }, "the reason in the plot area: \(t.capture())")
        t.send("5")
        XCTAssertNotNil(t.waitFor { $0.contains("1 failure") || $0.contains("failed at step 0") }, t.capture())
        t.send("f")
        XCTAssertNotNil(t.waitFor { $0.contains("ghost") && $0.contains("model folder does not exist") }, "f lists the failure: \(t.capture())")
        t.send("2"); t.send("Enter")
        XCTAssertNotNil(t.waitFor { $0.contains("ghost · failed") && $0.contains("Status history") && $0.contains("model folder does not exist") },
                        "the detail view names the error: \(t.capture())")
        t.send("Escape")
        // The launch form refuses a model that does not exist, beside the field, before queueing.
        t.send("n")
        XCTAssertNotNil(t.waitFor { $0.contains("New run") }, t.capture())
        t.send("Down"); t.send("Down"); t.send("C-u"); t.send("/nonexistent/other", literal: true)
        t.send("Down"); t.send("C-u"); t.send(pairs, literal: true)
        t.send("Enter")
        XCTAssertNotNil(t.waitFor { $0.contains("✗") && $0.contains("model folder does not exist") && $0.contains("New run") }, t.capture())
        t.send("Escape")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws + "/runs/run-2"), "nothing queued")
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, t.capture())
        // A relaunch shows it failed, with its name kept; the form suggests a new name.
        let t2 = try open(ws)
        XCTAssertNotNil(t2.waitFor { s in s.split(separator: "\n").contains { $0.contains("ghost") && $0.contains("failed") } }, t2.capture())
        t2.send("n")
        XCTAssertNotNil(t2.waitFor { $0.contains("New run") && $0.contains("run-2") }, t2.capture())
        t2.send("Escape"); t2.send("q")
        XCTAssertNotNil(t2.waitFor { $0.contains("EXITED 0") }, t2.capture())
    }

    /// The instruments of issue #19 on the bundled sample: A on Compare decodes the example with
    /// the two shown runs that have virtual rows and draws where their attention went (rows
    /// tokens, columns layers); P on Runs shows what the selected prefix means, layer by layer.
    func testAttentionHeatmapsAndPrefixMeaningOnTheSample() throws {
        let ws = TestPaths.tempDir("wb-instruments") + "/.prefixlab"
        let t = try TmuxSession(command: "cd '\(TestPaths.root)' && '\(prefixlab)' --workspace '\(ws)'", width: 150, height: 40)
        XCTAssertNotNil(t.waitFor(30) { $0.contains("[2 Runs]") && $0.contains("prefix-10") && !$0.contains("loading") }, t.capture())
        t.send("3")
        XCTAssertNotNil(t.waitFor { $0.contains("[3 Compare]") && $0.contains("test 1/") }, t.capture())
        t.send("A")
        let heat = t.waitFor(30) { s in
            s.contains("attention · share on the prefix") && s.contains("prefix (10 rows) · output:") && s.contains("virtual tokens (10 rows)")
                && s.split(separator: "\n").contains { $0.contains("·") && ($0.contains("▁") || $0.contains("▂") || $0.contains("▃") || $0.contains("▄")) }
        }
        XCTAssertNotNil(heat, "two heatmaps, prefix and virtual tokens: \(t.capture())")
        t.send("m")
        XCTAssertNotNil(t.waitFor { $0.contains("share on the source") }, t.capture())
        t.send("Escape")
        XCTAssertNotNil(t.waitFor { $0.contains("[3 Compare]") && !$0.contains("attention ·") }, t.capture())
        t.send("2"); t.send("g")
        for _ in 0..<30 {
            if t.capture().split(separator: "\n").contains(where: { $0.contains("▶") && $0.contains("prefix-10 ") }) { break }
            t.send("j"); Thread.sleep(forTimeInterval: 0.05)
        }
        t.send("P")
        XCTAssertNotNil(t.waitFor(30) { $0.contains("prefix-10 · prefix · init random · layer 0 of") && $0.contains("p9 ") }, t.capture())
        t.send("Right")
        XCTAssertNotNil(t.waitFor { $0.contains("layer 1 of") }, t.capture())
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") && !$0.contains("layer 1 of") }, t.capture())
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, t.capture())
    }

    /// A run another terminal trains is marked external (`*`) from the lock its process holds,
    /// also when that terminal resumes a run this workbench shows as paused; `p` and `x` leave
    /// it alone and write no control file.
    func testARunResumedFromAnotherTerminalIsNeverTouched() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("wb-ext")
        try FileManager.default.createDirectory(atPath: ws + "/runs", withIntermediateDirectories: true)
        let run = ws + "/runs/ext-1"
        func start(_ args: [String]) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: prefixlab)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        // A paused run: trained from a terminal, then interrupted (it checkpoints and pauses).
        let first = try start(["train", "--method", "prefix", "--model", model, "--train", TestPaths.fixtures + "/lmscore/pairs.jsonl", "--epochs", "100000",
                               "--checkpoint-every", "5", "--out", run])
        XCTAssertTrue(waitUntil(60) { (try? String(contentsOfFile: run + "/events.jsonl", encoding: .utf8))?.contains("\"checkpoint\"") ?? false })
        kill(first.processIdentifier, SIGINT)
        first.waitUntilExit()
        XCTAssertEqual(runStatus(run), "paused")
        let t = try open(ws)
        XCTAssertNotNil(t.waitFor { $0.contains("Resume?") && $0.contains("ext-1") }, t.capture())
        t.send("n")
        XCTAssertNotNil(t.waitFor { s in s.split(separator: "\n").contains { $0.contains("ext-1") && $0.contains("paused") } }, t.capture())
        // Another terminal resumes it while the workbench is open.
        let other = try start(["train", "--resume", run])
        defer { if other.isRunning { kill(other.processIdentifier, SIGINT); other.waitUntilExit() } }
        let external = t.waitFor(30) { s in s.split(separator: "\n").contains { $0.contains("ext-1") && $0.contains("running*") } }
        XCTAssertNotNil(external, "marked external on its resumed event: \(t.capture())")
        t.send("p")
        XCTAssertNotNil(t.waitFor { $0.contains("trained by another process") }, t.capture())
        t.send("x")
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/control"), "no pause or cancel was written")
        XCTAssertTrue(other.isRunning, "the other terminal's run goes on")
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, "nothing of ours is active, so q quits at once: \(t.capture())")
        XCTAssertTrue(other.isRunning, "quitting does not pause it either")
        // A stale control file left in the folder does not stop the next start.
        kill(other.processIdentifier, SIGINT)
        other.waitUntilExit()
        try Data("cancel\n".utf8).write(to: URL(fileURLWithPath: run + "/control"))
        // Left a minute ago, before the run's next process started: stale.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: run + "/control")
        let third = try start(["train", "--resume", run, "--max-steps", "100000"])
        Thread.sleep(forTimeInterval: 3)
        XCTAssertTrue(third.isRunning, "a stale cancel is cleared when the run takes its lock")
        kill(third.processIdentifier, SIGINT)
        third.waitUntilExit()
        XCTAssertEqual(runStatus(run), "paused")
    }

    /// The first frame is drawn before the workspace is read: on the bundled sample's fresh
    /// workspace (seeded, 18 runs, their outputs scored) the tab bar shows at once and the runs
    /// fill in. The bound is generous for a busy CI machine; tools/bench-workbench-start.sh
    /// gives the real figure.
    func testTheFirstFrameComesBeforeTheWorkspaceIsRead() throws {
        let ws = TestPaths.tempDir("wb-first")
        try? FileManager.default.removeItem(atPath: ws)
        let started = Date()
        let t = try TmuxSession(command: "cd '\(TestPaths.root)' && '\(prefixlab)' --workspace '\(ws)'", width: 130, height: 36)
        let first = t.waitFor(10, { $0.contains("[2 Runs]") })
        let seconds = Date().timeIntervalSince(started)
        XCTAssertNotNil(first, t.capture())
        XCTAssertLessThan(seconds, 2, "first frame after \(seconds) s")
        XCTAssertNotNil(t.waitFor(30) { $0.contains("prefix-10") && !$0.contains("loading:") }, t.capture())
        // The overlay of two runs has a legend, one line a run in its own colour, and the
        // learning-rate strip stays, on the loss plot's columns.
        t.send("o"); t.send("j")
        let overlay = t.waitFor { $0.contains("loss · 2 runs") && $0.contains("━ prefix-10") && $0.contains("━ finetune") }
        XCTAssertNotNil(overlay, t.capture())
        if let screen = overlay {
            let lines = screen.split(separator: "\n").map(String.init)
            func lastColumn(_ l: String, _ set: (Character) -> Bool) -> Int { Array(l).lastIndex(where: set) ?? -1 }
            let braille: (Character) -> Bool = { $0.unicodeScalars.first.map { (0x2801...0x28FF).contains($0.value) } ?? false }
            let curve = lines.map { lastColumn($0, braille) }.max() ?? -1
            let strip = lines.first { $0.hasPrefix("│ lr") }.map { lastColumn($0) { "▁▂▃▄▅▆▇█".contains($0) } } ?? -2
            XCTAssertEqual(strip, curve, "the lr strip ends in the curve's last column:\n\(screen)")
        }
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, t.capture())
    }
}
