import Events
import Specs
import Tuning
import Screen
import Workbench
import XCTest

final class RenderTests: XCTestCase {
    func testTooSmallTerminalSaysSo() {
        let s = Fixtures.state(width: 60, height: 20)
        let text = render(s, glyphs: .unicode).text
        XCTAssertTrue(text.contains("Terminal too small: 60×20."))
        XCTAssertTrue(text.contains("at least 80×24"))
    }

    func testTabBarAndFooter() {
        let s = Fixtures.state()
        let b = render(s, glyphs: .unicode)
        XCTAssertTrue(b.lines[0].hasPrefix(" PrefixLab  1 Datasets  [2 Runs]  3 Compare "))
        XCTAssertTrue(b.lines[29].contains("n  new run"))
    }

    func testRunsPaneShowsProgressAndCurve() {
        var s = Fixtures.state(width: 110)
        _ = reduce(&s, .event(RunEvent(run: "prefix-10", .started(totalSteps: 10, method: "prefix", trainableParams: 40))))
        for i in 1...5 { _ = reduce(&s, .event(Fixtures.step("prefix-10", i, total: 10, loss: 4 - Double(i) * 0.5))) }
        _ = reduce(&s, .event(RunEvent(run: "prefix-10", .validation(step: 5, loss: 1.9, metrics: [:]))))
        let lines = render(s, glyphs: .unicode).lines
        let row = lines.first { $0.contains("▶ prefix-10") }!
        XCTAssertTrue(row.contains("prefix"))
        XCTAssertTrue(row.contains("running"))
        XCTAssertTrue(row.contains("5/10"))
        XCTAssertTrue(row.contains("████"), "half a progress bar: \(row)")
        XCTAssertTrue(row.contains("1.500"))
        XCTAssertTrue(lines.contains { $0.contains("prefix-10 · loss") })
        XCTAssertTrue(lines.contains { $0.contains("train  last 1.500") })
        XCTAssertTrue(lines.contains { $0.contains("● val  last 1.900 (step 5)") })
        XCTAssertFalse(lines.contains { $0.hasPrefix("│ 3.50") }, "the axis leaves out the first step's loss (3.5), clipped at the top")
        s.smoothing = 0
        XCTAssertTrue(render(s, glyphs: .unicode).lines.contains { $0.hasPrefix("│ 3.00") }, "raw: the axis tops at the second step's loss")
    }

    func testCompareShowsThreeMethodColumnsWithScores() {
        var s = Fixtures.group()
        _ = reduce(&s, .key(.char("3")))
        _ = reduce(&s, .key(.char("l")))
        let b = render(s, glyphs: .unicode)
        let text = b.text
        for h in ["finetune (ft-1)", "prefix-10", "embedding (emb-10)"] { XCTAssertTrue(text.contains(h), h) }
        XCTAssertTrue(text.contains("BLEU 5.0  ROUGE-L 0.05"))
        XCTAssertTrue(text.contains("test 2/2"))
        // Words found in no reference carry the novel role.
        let y = b.lines.firstIndex { $0.contains("The Punter is") }!
        let x = b.lines[y].range(of: "Punter")!.lowerBound.utf16Offset(in: b.lines[y])
        XCTAssertEqual(b[x, y].role, .novel)
    }

    /// The header names the shown group's model (its runs'), not the first experiment's.
    func testTheHeaderNamesTheShownGroupsModel() {
        var s = Fixtures.group()
        s.modelName = "gpt2-e2e-mini"
        XCTAssertTrue(render(s, glyphs: .unicode).lines[0].contains("gpt2-e2e-mini"))
        for id in ["ft-1", "prefix-10", "emb-10"] {
            var v = s.runs.first { $0.id == id }!
            v.config = [("model", "samples/models/bart-e2e-mini"), ("train", "t.jsonl")]
            _ = reduce(&s, .runInfo(v))
        }
        let header = render(s, glyphs: .unicode).lines[0]
        XCTAssertTrue(header.contains("bart-e2e-mini") && !header.contains("gpt2-e2e-mini"), header)
    }

    /// An E2E output's missing MR values are listed under it and the words of an added or wrong
    /// value are marked; an output with every value says so. Runs with SER get an SER% column in
    /// Ablation, best (lowest) first when sorted by it.
    func testCompareListsSlotErrorsAndAblationShowsSER() {
        var s = Fixtures.group()
        s.compare[1].outputs["emb-10"]!.slots = SlotErrorView(missing: ["Aromi (name)", "riverside (area)"], added: ["The Punter (name)", "city centre (area)"],
                                                               addedWords: [0, 1, 5, 6], errors: 2, mrValues: 2)
        s.compare[1].outputs["ft-1"]!.slots = SlotErrorView(missing: [], added: [], addedWords: [], errors: 0, mrValues: 2)
        _ = reduce(&s, .key(.char("3")))
        _ = reduce(&s, .key(.char("l")))
        let b = render(s, glyphs: .unicode)
        XCTAssertTrue(b.text.contains("missing: Aromi (name),"), b.text)
        XCTAssertTrue(b.text.contains("all 2 slot values"), b.text)
        let y = b.lines.firstIndex { $0.contains("The Punter is") }!
        for (word, role) in [("Punter", Role.bad), ("is in", .normal), ("city", .bad)] {
            let row = (y..<b.lines.count).first { b.lines[$0].contains(word) }!
            let x = b.lines[row].range(of: word)!.lowerBound.utf16Offset(in: b.lines[row])
            XCTAssertEqual(b[x, row].role, role, word)
        }
        var a = Fixtures.group()
        for (i, id) in ["ft-1", "prefix-10", "emb-10"].enumerated() {
            var v = a.runs.first { $0.id == id }!
            v.metrics["SER"] = [0.05, 0.01, 0.2][i]
            _ = reduce(&a, .runInfo(v))
        }
        let rows = AblationModel.rows(a.groupRuns)
        let ser = AblationModel.columnTitles.firstIndex(of: "SER%")!
        XCTAssertTrue(AblationModel.visibleColumns(rows).contains(ser))
        XCTAssertEqual(AblationModel.sorted(rows, by: ser).map(\.method), ["prefix", "finetune", "embedding"])
        XCTAssertEqual(AblationModel.cells(rows[0])[ser], "5.00")
        XCTAssertFalse(AblationModel.visibleColumns(AblationModel.rows(Fixtures.group().groupRuns)).contains(ser))
        _ = reduce(&a, .key(.char("4")))
        XCTAssertTrue(render(a, glyphs: .unicode).text.contains("SER%"))
    }

    /// A summary's output gets rouge-score's ROUGE-1/2/L (×100) under it instead of BLEU, and the
    /// worst-first sort ranks summaries by ROUGE-2.
    func testCompareShowsROUGEForSummaries() {
        var s = Fixtures.state()
        var v = RunView(id: "bart-prefix", method: "prefix", status: .done)
        v.prefixLength = 10
        _ = reduce(&s, .runInfo(v))
        let doc = "The Met Office has issued a yellow weather warning for ice across most of Wales."
        _ = reduce(&s, .compare([
            CompareExample(source: doc, references: ["Ice warning for Wales."],
                           outputs: ["bart-prefix": OutputView(text: "A warning for ice in Wales.", bleu: 12, rougeL: 0.5, novelWords: [], rouge: [0.6, 0.25, 0.5])]),
            CompareExample(source: doc + " Again.", references: ["Snow in Wales."],
                           outputs: ["bart-prefix": OutputView(text: "Rain.", bleu: 1, rougeL: 0, novelWords: [], rouge: [0, 0, 0])]),
        ]))
        _ = reduce(&s, .key(.char("3")))
        let text = render(s, glyphs: .unicode).text
        XCTAssertTrue(text.contains("R-1 60.0  R-2 25.0  R-L 50.0"), text)
        XCTAssertFalse(text.contains("BLEU 12.0"))
        XCTAssertEqual(CompareModel.worst(s.compare[1], runs: ["bart-prefix"]), 0)
        XCTAssertEqual(CompareModel.worst(s.compare[0], runs: ["bart-prefix"]), 25, accuracy: 1e-9)
        // A long document takes a third of the screen and scrolls with ] and [.
        let long = (1...80).map { "Sentence \($0) of the article." }.joined(separator: " ")
        _ = reduce(&s, .compare([CompareExample(source: long, references: ["An article."],
                                                outputs: ["bart-prefix": OutputView(text: "An article.", bleu: 100, rougeL: 1, novelWords: [], rouge: [1, 1, 1])])]))
        var screen = render(s, glyphs: .unicode).text
        XCTAssertTrue(screen.contains("Sentence 1 of") && screen.contains("· ] more"), screen)
        XCTAssertTrue(screen.contains("R-1 100.0"))
        for _ in 0..<3 { _ = reduce(&s, .key(.char("]"))) }
        screen = render(s, glyphs: .unicode).text
        XCTAssertFalse(screen.contains("Sentence 1 of"), screen)
        XCTAssertTrue(screen.contains("[ back"), screen)
    }

    /// Runs tested on summaries get rouge-score's, R-L columns (×100); a data-to-text
    /// group has none of them.
    func testAblationShowsROUGEColumnsForSummaries() {
        var s = Fixtures.group()
        _ = reduce(&s, .key(.char("4")))
        XCTAssertFalse(render(s, glyphs: .unicode).text.contains("R-1"))
        var v = RunView(id: "bart-prefix", method: "prefix", status: .done)
        v.prefixLength = 200
        v.metrics = ["BLEU": 0.1, "ROUGE_L": 0.3, "rouge1": 0.4321, "rouge2": 0.2012, "rougeL": 0.3555]
        _ = reduce(&s, .runInfo(v))
        let text = render(s, glyphs: .unicode).text
        for needle in ["R-1", "R-2", "R-L", "43.2", "20.1", "35.5"] { XCTAssertTrue(text.contains(needle), needle) }
    }

    func testWideCharactersKeepTheDatasetsBorderAligned() {
        var s = Fixtures.state()
        let ex = [DatasetView.Example(id: "1", source: "name : 東京ラーメン 🍜 | food : Japanese", references: ["東京ラーメン serves ramen."], raw: "name[東京ラーメン]"),
                  DatasetView.Example(id: "2", source: "name : Aromi", references: ["Aromi."], raw: "name[Aromi]")]
        _ = reduce(&s, .datasets([DatasetView(name: "e2e · test", path: "t", format: "jsonl", examples: ex, summary: ["jsonl · 2 examples"])]))
        _ = reduce(&s, .key(.char("1")))
        let b = render(s, glyphs: .unicode)
        for y in 7...8 { XCTAssertEqual(DisplayWidth.of(b.line(y)), 100, "row \(y) keeps its width") }
        let borderX = (0..<100).first { b[$0, 7].char == "│" && $0 > 0 }!
        XCTAssertEqual(b[borderX, 8].char, "│", "the divider is straight on both rows")
    }

    func testAblationTableAndChart() {
        var s = Fixtures.group()
        for (id, p, bleu) in [("prefix-1", 1, 0.2), ("prefix-5", 5, 0.3)] {
            var v = RunView(id: id, method: "prefix", status: .done)
            v.prefixLength = p; v.metrics = ["BLEU": bleu]
            _ = reduce(&s, .runInfo(v))
        }
        _ = reduce(&s, .key(.char("4")))
        let text = render(s, glyphs: .unicode).text
        XCTAssertTrue(text.contains("BLEU vs prefix length"))
        XCTAssertTrue(text.contains("finetune"))
        XCTAssertTrue(text.contains("50.0"))
        XCTAssertTrue(text.contains("● prefix"))
    }

    /// An evaluation job's progress comes from its run's `generation` events, not its log.
    func testEvaluationProgressInTheHeaderComesFromGenerationEvents() {
        var s = Fixtures.group()
        _ = reduce(&s, .jobs(["evaluating prefix-10"]))
        _ = reduce(&s, .event(RunEvent(run: "prefix-10", .generation(split: "test", done: 32, total: 100))))
        XCTAssertTrue(render(s, glyphs: .unicode).lines[0].contains("evaluating prefix-10 32/100"), render(s, glyphs: .unicode).lines[0])
        _ = reduce(&s, .event(RunEvent(run: "prefix-10", .evaluation(split: "test", metrics: ["BLEU": 0.5]))))
        XCTAssertFalse(render(s, glyphs: .unicode).lines[0].contains("32/100"))
        XCTAssertEqual(s.runs.first { $0.id == "prefix-10" }?.metrics["BLEU"], 0.5)
    }

    func testASCIIRendersWithoutUnicodeBlocks() {
        var s = Fixtures.state()
        for i in 1...5 { _ = reduce(&s, .event(Fixtures.step("r", i, total: 10, loss: Double(10 - i)))) }
        let text = render(s, glyphs: .ascii).text
        XCTAssertFalse(text.contains { "█▁─│┌".contains($0) })
        XCTAssertTrue(text.contains("+-"))
    }

    func testHelpIsGeneratedFromTheKeyTable() {
        // Tall enough for the whole table (it scrolls with j/k on a smaller screen).
        var s = Fixtures.state(width: 100, height: 72)
        _ = reduce(&s, .key(.char("?")))
        let text = render(s, glyphs: .unicode).text
        XCTAssertTrue(text.contains("Keys"))
        XCTAssertTrue(text.contains("generate missing outputs"))
    }
}

final class QuitDialogTests: XCTestCase {
    func testQuitDialogSaysWhatHappensToEachRun() {
        var s = Fixtures.state()
        _ = reduce(&s, .event(Fixtures.step("train-a", 1, loss: 2)))
        _ = reduce(&s, .event(RunEvent(run: "queued-b", .queued)))
        _ = reduce(&s, .key(.char("q")))
        let text = render(s, glyphs: .unicode).text
        XCTAssertTrue(text.contains("Training: train-a"), text)
        XCTAssertTrue(text.contains("checkpointed and left paused"))
        XCTAssertTrue(text.contains("Queued, not started: queued-b,") && text.contains("kept queued"))
    }
}

final class ASCIIRenderTests: XCTestCase {
    /// --ascii and non-UTF-8 locales: every screen, dialog and footer draws in ASCII.
    func testEveryScreenAndDialogIsASCII() {
        var s = Fixtures.group()
        _ = reduce(&s, .event(RunEvent(run: "prefix-5", .failed(step: 3, error: "NaN loss at step 3"))))
        for i in 1...5 { _ = reduce(&s, .event(Fixtures.step("ft-1", i, total: 10, loss: Double(10 - i)))) }
        var states: [AppState] = []
        for key in ["1", "2", "3", "4", "5"] {
            var t = s
            _ = reduce(&t, .key(.char(Character(key))))
            states.append(t)
        }
        var help = Fixtures.state(width: 100, height: 60); _ = reduce(&help, .key(.char("?"))); states.append(help)
        var form = s; _ = reduce(&form, .key(.char("2"))); _ = reduce(&form, .key(.char("n"))); states.append(form)
        var quit = s; _ = reduce(&quit, .key(.char("q"))); states.append(quit)
        states.append(Fixtures.state(width: 60, height: 20))
        for st in states {
            let text = render(st, glyphs: .ascii).text
            let odd = Set(text.unicodeScalars.filter { !$0.isASCII }.map(String.init))
            XCTAssertTrue(odd.isEmpty, "non-ASCII \(odd.sorted()) on \(st.screen) \(st.mode)")
        }
    }
}
