import Events
import Screen
import Specs
import Tuning
import Workbench
import XCTest

/// The details a user of the screens trips over: a steady ETA, a request's message giving way
/// to its outcome, Enter on a dataset example, a filter that keeps the selection, the config
/// diff of relative and absolute paths, Compare's hidden references and runs, BLEU on one
/// scale in Events, whole columns dropped in a narrow Ablation table.
final class ScreenDetailsTests: XCTestCase {
    func time(_ seconds: Double) -> String {
        let s = Int(seconds)
        return String(format: "2026-11-27T10:%02d:%02d.%03dZ", s / 60, s % 60, Int((seconds - Double(s)) * 1000))
    }

    func testTheETAFollowsThePaceNotOneSlowStep() {
        var s = Fixtures.state()
        _ = reduce(&s, .event(RunEvent(run: "r", .started(totalSteps: 1000, method: "prefix", trainableParams: 1))))
        var t = 0.0
        for i in 1...60 { t += 1; _ = reduce(&s, .event(Fixtures.step("r", i, total: 1000, loss: 1, time: time(t)))) }
        let before = s.runs[0].eta!
        t += 20  // a checkpoint and a validation
        _ = reduce(&s, .event(Fixtures.step("r", 61, total: 1000, loss: 1, time: time(t))))
        let after = s.runs[0].eta!
        XCTAssertEqual(before, 940, accuracy: 1)
        XCTAssertLessThan(abs(after - before) / before, 0.5, "one slow step moves the ETA by its share of the window: \(before) → \(after)")
    }

    func testAPauseMessageGivesWayToTheOutcome() {
        var s = Fixtures.state()
        _ = reduce(&s, .event(Fixtures.step("run-15", 3, loss: 1)))
        _ = reduce(&s, .message("pausing run-15 after its current step"))
        _ = reduce(&s, .event(RunEvent(run: "run-15", .paused(step: 4))))
        XCTAssertEqual(s.message, "run-15 paused at step 4")
    }

    func testEnterOnADatasetExampleOpensThatExampleInCompare() {
        var s = Fixtures.group()
        let examples = ["name : Aromi | area : riverside", "name : Nowhere"].map { DatasetView.Example(id: $0, source: $0, references: ["x"], raw: $0) }
        _ = reduce(&s, .datasets([DatasetView(name: "e2e · test", path: "t", format: "jsonl", examples: examples, summary: [])]))
        _ = reduce(&s, .key(.char("1")))
        _ = reduce(&s, .key(.enter))
        XCTAssertEqual(s.screen, .compare)
        XCTAssertEqual(s.compare[CompareModel.order(s)[s.compareIndex]].source, "name : Aromi | area : riverside")
        _ = reduce(&s, .key(.char("1"))); _ = reduce(&s, .key(.char("j"))); _ = reduce(&s, .key(.enter))
        XCTAssertEqual(s.screen, .datasets, "no outputs for it: stay, and say so")
        XCTAssertTrue(s.message!.contains("no run has test outputs"))
    }

    /// A long document (XSUM) wraps in the Datasets pane and scrolls with ] and [, five lines
    /// a press; the last row says where it is; another example starts at its top; a record
    /// that is its own source is not printed twice; the token column fits four digits.
    func testALongDocumentScrollsInDatasets() {
        var s = Fixtures.state()
        let long = (1...60).map { "Sentence number \($0) of a long article about the river." }.joined(separator: "\n")
        let examples = [DatasetView.Example(id: "a", source: long, references: ["A river."], raw: long, sourceTokens: 1878),
                        DatasetView.Example(id: "b", source: "Short.", references: ["S."], raw: "Short.", sourceTokens: 2)]
        _ = reduce(&s, .datasets([DatasetView(name: "xsum · sample", path: "x", format: "jsonl", examples: examples, summary: [])]))
        _ = reduce(&s, .key(.char("1")))
        var text = render(s, glyphs: .unicode).text
        XCTAssertTrue(text.contains("Sentence number 1 "), text)
        XCTAssertTrue(text.contains("1878"), "the token count is whole")
        XCTAssertEqual(text.components(separatedBy: "Sentence number 1 ").count - 1, 1)
        XCTAssertTrue(text.contains("· ] more"), text)
        _ = reduce(&s, .key(.char("]")))
        _ = reduce(&s, .key(.char("]")))
        text = render(s, glyphs: .unicode).text
        XCTAssertFalse(text.contains("Sentence number 1 "), "scrolled past the first lines")
        XCTAssertTrue(text.contains("lines 11–"), text)
        XCTAssertTrue(text.contains("[ back"))
        _ = reduce(&s, .key(.char("[")))
        XCTAssertEqual(s.textScroll.lines, 5)
        _ = reduce(&s, .key(.char("j")))
        text = render(s, glyphs: .unicode).text
        XCTAssertFalse(text.contains("lines "), "a short example has no scroll line")
        XCTAssertTrue(text.contains("the model reads the record as it is"), "a record that is its own source is not printed twice")
        _ = reduce(&s, .key(.char("k")))
        XCTAssertTrue(render(s, glyphs: .unicode).text.contains("lines 6–"), "back on the long one: where it was left")
    }

    func testTheCategoryFilterKeepsTheSelectedExample() {
        var s = Fixtures.state()
        let examples = [("a", "Airport"), ("b", "Artist"), ("c", "Airport")].map {
            DatasetView.Example(id: $0.0, source: $0.0, references: [], raw: $0.0, category: $0.1, seen: $0.1 == "Airport")
        }
        _ = reduce(&s, .datasets([DatasetView(name: "webnlg · test", path: "t", format: "webnlg-xml", examples: examples, summary: [])]))
        _ = reduce(&s, .key(.char("1")))
        _ = reduce(&s, .key(.char("G")))  // c, seen
        _ = reduce(&s, .key(.char("f")))
        XCTAssertEqual(s.categoryFilter, "seen")
        XCTAssertEqual(visibleExamples(s)[s.exampleIndex], 2, "c stays selected")
        var e2e = Fixtures.state()
        _ = reduce(&e2e, .datasets([DatasetView(name: "e2e · test", path: "t", format: "jsonl", examples: [examples[0]].map {
            DatasetView.Example(id: $0.id, source: $0.source, references: [], raw: $0.raw) }, summary: [])]))
        _ = reduce(&e2e, .key(.char("1"))); _ = reduce(&e2e, .key(.char("f")))
        XCTAssertTrue(e2e.message!.contains("no categories"))
    }

    func testTheConfigDiffTreatsARelativeAndAnAbsolutePathAsOneFile() {
        var s = Fixtures.state(width: 120, height: 30)
        s.cwd = "/home/u/lab"
        for (id, model, lr) in [("a", "samples/models/m", "0.001"), ("b", "/home/u/lab/samples/models/m", "0.0003")] {
            var v = RunView(id: id, method: "prefix", status: .done)
            v.config = [("model", model), ("lr", lr)]
            _ = reduce(&s, .runInfo(v))
        }
        s.marked = ["a", "b"]
        _ = reduce(&s, .key(.char("4"))); _ = reduce(&s, .key(.char("d")))
        let buf = render(s, glyphs: .unicode)
        let lines = buf.lines
        XCTAssertTrue(lines.contains { $0.contains("1 of 2 differ") }, lines.joined(separator: "\n"))
        let modelRow = lines.firstIndex { $0.contains("model ") && $0.contains("samples/models/m") }!
        let lrRow = lines.firstIndex { $0.contains("lr ") && $0.contains("0.0003") }!
        let x = Array(lines[modelRow]).firstIndex(of: "m")!
        XCTAssertEqual(buf[x, modelRow].role, .dim, "the same file")
        XCTAssertEqual(buf[Array(lines[lrRow]).firstIndex(of: "l")!, lrRow].role, .warn)
        for l in lines where l.contains("│ lr") || l.contains("│ model") { XCTAssertTrue(l.hasSuffix("│")) }
    }

    func testCompareSaysWhatItDoesNotShow() {
        var s = Fixtures.group()
        s.compare[1].references = (1...20).map { "Reference number \($0)." }
        _ = reduce(&s, .key(.char("3"))); _ = reduce(&s, .key(.char("l")))
        var lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines.contains { $0.contains("more)") && $0.contains("(+") }, "refs (20) shows how many are left out")
        // At 80 columns, 3 runs fit at 18 columns each only partly: the title says so.
        s.compareColumns = ["ft-1", "prefix-10", "emb-10", "ft-1", "prefix-10"]
        _ = reduce(&s, .resize(width: 80, height: 24))
        lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines[1].contains("not shown: widen the window"), lines[1])
        // c with a marked run that has no outputs names it.
        var t = Fixtures.group()
        _ = reduce(&t, .runInfo(RunView(id: "lora-8", method: "lora", status: .done)))
        t.marked = ["ft-1", "lora-8"]
        _ = reduce(&t, .key(.char("3"))); _ = reduce(&t, .key(.char("c")))
        XCTAssertTrue(t.message!.contains("lora-8 has no test outputs"), t.message!)
    }

    func testEventsShowBLEUOnTheWorkbenchScaleAndDatedTimes() {
        var s = Fixtures.state(width: 140, height: 30)
        _ = reduce(&s, .event(RunEvent(run: "a-run-with-a-long-name", time: "2026-11-26T23:59:01.000Z", .evaluation(split: "test", metrics: ["BLEU": 0.3523]))))
        _ = reduce(&s, .event(RunEvent(run: "a-run-with-a-long-name", time: "2026-11-26T23:59:02.000Z", .generation(split: "test", done: 5, total: 10))))
        _ = reduce(&s, .key(.char("5")))
        let lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines.contains { $0.contains("2026-11-26 23:59:01 a-run-with-a-long-name evaluation test: BLEU 35.23") }, lines.joined(separator: "\n"))
        XCTAssertEqual(s.events.count, 1, "generation progress is not a log line")
    }

    func testANarrowAblationTableDropsWholeColumns() {
        var s = Fixtures.group()
        _ = reduce(&s, .resize(width: 80, height: 24))
        _ = reduce(&s, .key(.char("4")))
        let header = render(s, glyphs: .unicode).lines.first { $0.contains("method") && $0.contains("BLEU") }!
        XCTAssertFalse(header.contains("…"), header)
        XCTAssertFalse(header.contains("time"), "time goes first: \(header)")
    }

    /// WebNLG groups get the paper's seen / unseen BLEU columns (BLEU is "all"); E2E groups,
    /// whose runs have none, do not, and sorting skips them.
    func testAblationShowsSeenAndUnseenBLEUOnlyForWebNLGGroups() {
        var s = Fixtures.group()
        _ = reduce(&s, .resize(width: 140, height: 30))
        _ = reduce(&s, .key(.char("4")))
        var header = render(s, glyphs: .unicode).lines.first { $0.contains("method") && $0.contains("BLEU") }!
        XCTAssertFalse(header.contains("BLEU-S"), header)
        for _ in 0..<7 { _ = reduce(&s, .key(.char("s"))) }
        XCTAssertEqual(AblationModel.columnTitles[s.ablationSort], "NIST", "BLEU, then NIST: the empty columns are skipped")
        XCTAssertFalse(AblationModel.markdown(AblationModel.rows(s.groupRuns)).contains("BLEU-S"))

        var w = Fixtures.state(width: 140, height: 30)
        for (id, method, seen, unseen) in [("w-ft", "finetune", 0.45, 0.20), ("w-prefix", "prefix", 0.40, 0.25)] {
            var v = RunView(id: id, method: method, status: .done)
            v.prefixLength = method == "prefix" ? 10 : nil
            v.metrics = ["BLEU": (seen * 2 + unseen) / 3, "BLEU_seen": seen, "BLEU_unseen": unseen]
            _ = reduce(&w, .runInfo(v))
        }
        _ = reduce(&w, .key(.char("4")))
        let lines = render(w, glyphs: .unicode).lines
        header = lines.first { $0.contains("method") && $0.contains("BLEU") }!
        XCTAssertTrue(header.contains("BLEU-S") && header.contains("BLEU-U"), header)
        XCTAssertTrue(lines.contains { $0.contains("prefix") && $0.contains("40.0") && $0.contains("25.0") }, lines.joined(separator: "\n"))
        XCTAssertTrue(AblationModel.markdown(AblationModel.rows(w.groupRuns)).contains("| BLEU | BLEU-S | BLEU-U |"))
    }
}
