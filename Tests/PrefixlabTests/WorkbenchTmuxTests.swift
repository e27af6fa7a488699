import Foundation
import JSON
import TestSupport
import XCTest

/// The workbench end to end in tmux, as a user meets it: open and quit, launch a tiny run and
/// watch it train, the bundled sample's Compare screen, resizing, a too-small terminal.
final class WorkbenchTmuxTests: XCTestCase {
    var prefixlab: String { TestPaths.products.appendingPathComponent("prefixlab").path }

    override func setUpWithError() throws {
        // The end-to-end tests are part of the suite: without tmux they fail rather than skip.
        guard TmuxSession.available else { throw TmuxError("tmux is not installed: tools/install-deps.sh (run by make test and .ci/run) installs it") }
    }

    func open(_ ws: String, width: Int = 100, height: Int = 30, extra: String = "") throws -> TmuxSession {
        try TmuxSession(command: "cd '\(TestPaths.root)' && '\(prefixlab)' --workspace '\(ws)' --samples /nonexistent \(extra)", width: width, height: height)
    }

    func testOpenAndQuitRestoresTheTerminal() throws {
        let ws = TestPaths.tempDir("wb-open")
        let t = try open(ws)
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") && $0.contains("No runs in") }, t.capture())
        // ps, top and htop show it by its name (not "exe", as after the BLAS re-exec).
        let pids = try runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "--", "--workspace " + ws]).out.split(separator: "\n").map(String.init)
        let ours = pids.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/exe"))?.hasSuffix("/prefixlab") ?? false }
        XCTAssertEqual(ours.count, 1, "one workbench process among \(pids)")
        for pid in ours {
            XCTAssertEqual((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines), "prefixlab")
        }
        t.send("?")
        XCTAssertNotNil(t.waitFor { $0.contains("Keys") && $0.contains("next screen") }, t.capture())
        t.send("Escape")
        t.send("q")
        let end = t.waitFor { $0.contains("EXITED 0") }
        XCTAssertNotNil(end, t.capture())
        XCTAssertFalse(end?.contains("[2 Runs]") ?? true, "the alternate screen is gone after quitting")
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws + "/runs"), "the workspace was created")
    }

    func testLaunchedRunShowsStepsAndAGrowingCurveAndPausesOnQuit() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("wb-run")
        let t = try open(ws, width: 120, height: 34)
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") }, t.capture())
        t.send("n")
        XCTAssertNotNil(t.waitFor { $0.contains("New run") }, t.capture())
        t.send("Down"); t.send("Down"); t.send(model, literal: true)  // name, group, model
        t.send("Down"); t.send(TestPaths.fixtures + "/lmscore/pairs.jsonl", literal: true)
        for _ in 0..<7 { t.send("Down") }  // → epochs
        t.send("C-u"); t.send("4000", literal: true)
        t.send("Enter")
        func step(_ screen: String) -> Int? {
            guard let line = screen.split(separator: "\n").first(where: { $0.contains("run-1") && $0.contains("running") }) else { return nil }
            let m = line.split(separator: " ").first { $0.contains("/") && $0.split(separator: "/").count == 2 && $0.split(separator: "/").allSatisfy { Int($0) != nil } }
            return m.flatMap { Int($0.split(separator: "/")[0]) }
        }
        guard let first = t.waitFor(30, { (step($0) ?? 0) > 0 }), let s1 = step(first) else { return XCTFail("no step counter: \(t.capture())") }
        let later = t.waitFor(30) { (step($0) ?? 0) > s1 + 20 }
        XCTAssertNotNil(later, "the step counter advances: \(t.capture())")
        XCTAssertTrue(later?.contains("run-1 · loss") ?? false)
        // The curve's right end (the x axis spans the run's steps) moves right as steps arrive.
        func curveEnd(_ s: String) -> Int {
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let top = lines.firstIndex(where: { $0.contains("run-1 · loss") }) else { return -1 }
            return lines[(top + 1)...].map { l in
                Array(l).lastIndex { $0.unicodeScalars.first.map { (0x2801...0x28FF).contains($0.value) } ?? false } ?? -1
            }.max() ?? -1
        }
        let grown = t.waitFor(30) { curveEnd($0) > curveEnd(first) + 2 }
        XCTAssertNotNil(grown, "the curve grows: first \(first)\nnow \(t.capture())")
        // Its detail view follows it live: the status history and the training process's log.
        t.send("Enter")
        XCTAssertNotNil(t.waitFor { $0.contains("run-1 · running") && $0.contains("Status history") && $0.contains("started: prefix")
            && $0.contains("output.log · following") && $0.contains("Command line") }, t.capture())
        t.send("Escape")
        XCTAssertNotNil(t.waitFor { $0.contains("run-1 · loss") }, t.capture())
        // A second run waits behind it (one training at a time) and survives the relaunch.
        t.send("n")
        XCTAssertNotNil(t.waitFor { $0.contains("New run") && $0.contains("run-2") }, t.capture())
        t.send("Enter")
        XCTAssertNotNil(t.waitFor { s in s.split(separator: "\n").contains { $0.contains("run-2") && $0.contains("queued") } }, t.capture())
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("Quit?") && $0.contains("run-1") && $0.contains("Queued, not started: run-2") }, t.capture())
        t.send("y")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, t.capture())
        // The run checkpoints and stops as paused, resumable.
        let deadline = Date().addingTimeInterval(30)
        var status = ""
        while Date() < deadline {
            if let d = FileManager.default.contents(atPath: ws + "/runs/run-1/run.json"), let j = try? JSONParser.parse(bytes: [UInt8](d)) {
                status = j["status"]?.string ?? ""
                if status == "paused" { break }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertEqual(status, "paused")
        // The next launch offers to resume it.
        let t2 = try open(ws, width: 120, height: 34)
        let offer = t2.waitFor { $0.contains("Resume?") && $0.contains("run-1, run-2") }
        XCTAssertNotNil(offer, t2.capture())
        XCTAssertEqual(runStatus(ws + "/runs/run-2"), "queued")
        t2.send("n"); t2.send("q")
        XCTAssertNotNil(t2.waitFor { $0.contains("Quit?") && $0.contains("Queued, not started: run-2") }, t2.capture())
        t2.send("y")
        XCTAssertNotNil(t2.waitFor { $0.contains("EXITED 0") }, t2.capture())
    }

    func testResizeRedrawsAndTooSmallSaysSo() throws {
        let ws = TestPaths.tempDir("wb-resize")
        let t = try open(ws)
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") }, t.capture())
        t.resize(width: 90, height: 28)
        let resized = t.waitFor { s in s.split(separator: "\n").dropFirst().first.map { $0.count == 90 && $0.hasSuffix("┐") } ?? false }
        XCTAssertNotNil(resized, "the box is redrawn at the new width: \(t.capture())")
        t.resize(width: 70, height: 20)
        XCTAssertNotNil(t.waitFor { $0.contains("Terminal too small: 70×20.") }, t.capture())
        t.resize(width: 100, height: 30)
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") }, t.capture())
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, t.capture())
    }

    func testCompareShowsEveryMethodOfTheBundledSample() throws {
        let ws = TestPaths.tempDir("wb-sample")
        let t = try TmuxSession(command: "cd '\(TestPaths.root)' && '\(prefixlab)' --workspace '\(ws)'", width: 130, height: 36)
        XCTAssertNotNil(t.waitFor(20) { $0.contains("[2 Runs]") && $0.contains("prefix-10") }, t.capture())
        t.send("3")
        let screen = t.waitFor { s in ["├ finetune ", "┬ prefix-10 ", "┬ embedding-10 ", "┬ adapter-3 ", "┬ lora-8 "].allSatisfy { s.contains($0) } }
        XCTAssertNotNil(screen, t.capture())
        XCTAssertTrue(screen?.contains("BLEU") ?? false)
        t.send("4")
        XCTAssertNotNil(t.waitFor { $0.contains("vs prefix length") }, t.capture())
        t.send("q")
        XCTAssertNotNil(t.waitFor { $0.contains("EXITED 0") }, t.capture())
    }
}
