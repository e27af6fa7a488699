import Events
import Specs
import Tuning
import Screen
import Workbench
import XCTest

final class ReducerTests: XCTestCase {
    func testNumberKeysAndTabSwitchScreens() {
        var s = Fixtures.state()
        _ = reduce(&s, .key(.char("3")))
        XCTAssertEqual(s.screen, .compare)
        _ = reduce(&s, .key(.tab))
        XCTAssertEqual(s.screen, .ablation)
        _ = reduce(&s, .key(.tab)); _ = reduce(&s, .key(.tab))
        XCTAssertEqual(s.screen, .datasets)
        _ = reduce(&s, .key(.backTab))
        XCTAssertEqual(s.screen, .events)
    }

    func testStepEventsGrowTheCurveAndSetProgress() {
        var s = Fixtures.state()
        _ = reduce(&s, .event(RunEvent(run: "r", .started(totalSteps: 100, method: "prefix", trainableParams: 40))))
        for i in 1...5 { _ = reduce(&s, .event(Fixtures.step("r", i, loss: 3 - Double(i) * 0.1, time: "2026-11-27T10:00:0\(i).000Z"))) }
        let r = s.runs[0]
        XCTAssertEqual(r.status, .running)
        XCTAssertEqual(r.step, 5)
        XCTAssertEqual(r.losses.count, 5)
        XCTAssertEqual(r.lastLoss!, 2.5, accuracy: 1e-12)
        XCTAssertEqual(r.secondsPerStep!, 1, accuracy: 1e-9)
        XCTAssertEqual(r.eta!, 95, accuracy: 1e-6)
        // Steps go to the curve, not to the event log.
        XCTAssertEqual(s.events.map(\.type), ["started"])
    }

    func testFailureIsShownWithItsError() {
        var s = Fixtures.state()
        _ = reduce(&s, .event(RunEvent(run: "p5", .failed(step: 231, error: "NaN loss at step 231"))))
        XCTAssertEqual(s.runs[0].status, .failed)
        XCTAssertEqual(s.runs[0].error, "NaN loss at step 231")
        XCTAssertTrue(s.events.last!.isError)
        XCTAssertTrue(s.events.last!.text.contains("NaN loss"))
    }

    func testQuitAsksWhileRunsAreActiveAndPausesThem() {
        var s = Fixtures.state()
        XCTAssertEqual(reduce(&s, .key(.char("q"))).first, .quit(pauseOwnRuns: false))
        s = Fixtures.state()
        _ = reduce(&s, .event(Fixtures.step("r", 1, loss: 2)))
        XCTAssertEqual(reduce(&s, .key(.char("q"))), [])
        XCTAssertEqual(s.mode, .confirmQuit)
        XCTAssertEqual(reduce(&s, .key(.char("n"))), [])
        XCTAssertFalse(s.quitting)
        _ = reduce(&s, .key(.char("q")))
        XCTAssertEqual(reduce(&s, .key(.char("y"))), [.quit(pauseOwnRuns: true)])
        XCTAssertTrue(s.quitting)
    }

    func testRunsOfAnotherProcessAreNotTouched() {
        var s = Fixtures.state()
        var v = RunView(id: "other", method: "prefix", status: .running)
        v.external = true
        _ = reduce(&s, .runInfo(v))
        _ = reduce(&s, .key(.char("2")))
        XCTAssertEqual(reduce(&s, .key(.char("p"))), [])
        XCTAssertTrue(s.message!.contains("another process"))
    }

    func testLaunchFormValidatesChecksTheFilesAndQueues() {
        var s = Fixtures.state()
        _ = reduce(&s, .key(.char("2")))
        _ = reduce(&s, .key(.char("n")))
        guard case .launch(var form) = s.mode else { return XCTFail("no form") }
        XCTAssertEqual(reduce(&s, .key(.enter)), [])
        guard case .launch(let f2) = s.mode else { return XCTFail("form closed") }
        XCTAssertEqual(f2.problems["model"], "required", "the problem sits beside its field")
        XCTAssertEqual(f2.focusedField.key, "model", "the focus goes to the first wrong field")
        form["model"] = "m"; form["train"] = "t.jsonl"; form["epochs"] = "0"
        s.mode = .launch(form)
        XCTAssertEqual(reduce(&s, .key(.enter)), [])
        guard case .launch(let f3) = s.mode else { return XCTFail("form closed") }
        XCTAssertNotNil(f3.problems["epochs"], "a number out of range is refused before queueing")
        form["epochs"] = "2"
        s.mode = .launch(form)
        // Valid as typed: the shell checks the files; the form waits for its answer.
        guard case .checkLaunch(let checked)? = reduce(&s, .key(.enter)).first else { return XCTFail("no check") }
        XCTAssertEqual(checked.trainArguments.prefix(6), ["--model", "m", "--train", "t.jsonl", "--method", "prefix"])
        XCTAssertEqual(reduce(&s, .launchChecked(["train": "t.jsonl: pair 3 needs 1030 positions"])), [])
        guard case .launch(let f4) = s.mode else { return XCTFail("form closed on a problem") }
        XCTAssertEqual(f4.focusedField.key, "train")
        XCTAssertEqual(f4.error, "train: t.jsonl: pair 3 needs 1030 positions")
        XCTAssertEqual(reduce(&s, .key(.enter)).count, 1)
        let effects = reduce(&s, .launchChecked([:]))
        guard case .launch(let queued) = effects.first else { return XCTFail("not queued") }
        XCTAssertTrue(queued.trainArguments.contains("--prefix-length"))
        XCTAssertEqual(s.mode, .normal)
    }

    func testLaunchFormCyclesChoicesAndRejectsUnsafeNames() {
        var f = LaunchForm(methods: MethodRegistry.descriptors)
        f["model"] = "m"; f["train"] = "t"; f["name"] = "../evil"
        XCTAssertEqual(f.validate(), "name: letters, digits, - _ . only")
        var s = Fixtures.state()
        f.focusField(f.fieldNames.firstIndex(of: "method")!)
        s.mode = .launch(f)
        _ = reduce(&s, .key(.right))
        guard case .launch(let g) = s.mode else { return XCTFail() }
        XCTAssertEqual(g["method"], "embedding")
    }

    /// A BART prefix run's kinds are chosen in the form (←/→ through the common lists), and the
    /// bottom line says what the focused field means.
    func testLaunchFormChoosesPrefixKindsAndExplainsTheFocusedField() throws {
        var f = LaunchForm(methods: MethodRegistry.descriptors)
        f["model"] = "m"; f["train"] = "t"
        XCTAssertEqual(f["method"], "prefix")
        let kinds = try XCTUnwrap(f.fields.firstIndex { $0.key == "prefix_kinds" })
        f.focusField(kinds)
        XCTAssertEqual(f["prefix_kinds"], "all")
        f.cycle(forward: true); f.cycle(forward: true)
        XCTAssertEqual(f["prefix_kinds"], "decoder,cross")
        XCTAssertEqual(try f.spec().method["prefix_kinds"]?.text, "decoder,cross")
        XCTAssertTrue(f.trainArguments.joined(separator: " ").contains("--prefix-kinds decoder,cross"), f.trainArguments.joined(separator: " "))
        XCTAssertTrue(f.focusedHelp?.contains("encoder,decoder,cross") == true, f.focusedHelp ?? "no help")
        var s = Fixtures.state(width: 140, height: 40)
        s.mode = .launch(f)
        let screen = render(s, glyphs: .unicode).text
        XCTAssertTrue(screen.contains("prefix kinds: encoder-decoders: the attentions with a prefix"), screen)
        f.focusField(f.fields.firstIndex { $0.key == "lr" }!)
        XCTAssertNotNil(f.focusedHelp, "a setting's help too")
        f.focusField(0)
        XCTAssertNil(f.focusedHelp, "the run's name is the form's own")
    }

    func testLaunchFormStartsFromTheSelectedRunAndTakesEachMethodsLearningRate() {
        var s = Fixtures.state()
        s.cwd = "/home/u/lab"
        for (id, method, lr) in [("ft", "finetune", "0.0003"), ("p10", "prefix", "0.001")] {
            var v = RunView(id: id, method: method, status: .done)
            v.config = [("model", "/home/u/lab/models/m"), ("train", "/home/u/lab/data/train.jsonl"), ("method", method), ("lr", lr), ("epochs", "5")]
            _ = reduce(&s, .runInfo(v))
        }
        _ = reduce(&s, .key(.char("2")))
        _ = reduce(&s, .key(.char("n")))
        guard case .launch(var f) = s.mode else { return XCTFail("no form") }
        XCTAssertEqual(f["model"], "models/m", "paths under the working folder are shown relative")
        XCTAssertEqual(f["method"], "finetune")
        XCTAssertEqual(f["lr"], "0.0003")
        XCTAssertEqual(f["name"], "run-3")
        f.focusField(f.fields.firstIndex { $0.key == "method" }!)
        f.cycle(forward: true)  // finetune → the next method in the registry
        s.mode = .launch(f)
        while f["method"] != "prefix" { f.cycle(forward: true) }
        XCTAssertEqual(f["lr"], "0.001", "a method switch takes that method's latest learning rate")
        // A typed learning rate stays.
        f.focusField(f.fields.firstIndex { $0.key == "lr" }!)
        for _ in 0..<10 { _ = f.edit(.backspace) }
        for c in "0.01" { _ = f.edit(.char(c)) }
        f.focusField(f.fields.firstIndex { $0.key == "method" }!)
        f.cycle(forward: true)
        XCTAssertEqual(f["lr"], "0.01")
    }

    func testCurveKeysSmoothZoomAndLogAndOverlayHasALegend() {
        var s = Fixtures.state(width: 140, height: 40)
        for id in ["a", "b"] {
            _ = reduce(&s, .event(RunEvent(run: id, .started(totalSteps: 600, method: "prefix", trainableParams: 40))))
            for i in 1...600 { _ = reduce(&s, .event(Fixtures.step(id, i, total: 600, loss: (id == "a" ? 3 : 4) / Double(i).squareRoot()))) }
        }
        _ = reduce(&s, .key(.char("2")))
        XCTAssertEqual(s.smoothing, 0.9)
        _ = reduce(&s, .key(.char("w")))
        XCTAssertEqual(s.smoothing, 0.95)
        _ = reduce(&s, .key(.char("L")))
        XCTAssertTrue(s.logLoss)
        _ = reduce(&s, .key(.char("z")))
        XCTAssertEqual(s.zoomSteps, 500)
        var lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines.contains { $0.contains("a · loss · EMA 0.95 · log · last 500 steps") })
        XCTAssertTrue(lines.contains { $0.contains("100") && $0.contains("600") && !$0.contains(" 0 ") }, "zoomed step labels start at 100")
        // Overlay: o on b, back to a: a legend line per run, each in its own colour.
        _ = reduce(&s, .key(.char("j"))); _ = reduce(&s, .key(.char("o")))
        XCTAssertTrue(s.message!.contains("overlay"), "o says what it did")
        _ = reduce(&s, .key(.char("k")))
        lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines.contains { $0.contains("loss · 2 runs") })
        let buf = render(s, glyphs: .unicode)
        let legendA = lines.firstIndex { $0.contains("━ a ") }!, legendB = lines.firstIndex { $0.contains("━ b ") }!
        let xA = Array(lines[legendA]).firstIndex(of: "━")!, xB = Array(lines[legendB]).firstIndex(of: "━")!
        XCTAssertNotEqual(buf[xA, legendA].role, buf[xB, legendB].role)
        XCTAssertEqual(buf[xA, legendA].role, s.seriesRole("a"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("│ lr") }, "the lr strip stays in overlay")
    }

    func testTextFieldsEditLikeAShell() {
        var t = TextInput("name : The Eagle")
        XCTAssertTrue(t.apply(.ctrl("w")))
        XCTAssertEqual(t.text, "name : The ")
        _ = t.apply(.ctrl("a")); _ = t.apply(.char(">"))
        XCTAssertEqual(t.text, ">name : The ")
        _ = t.apply(.right); _ = t.apply(.delete)
        XCTAssertEqual(t.text, ">nme : The ")
        _ = t.apply(.end); _ = t.apply(.left); _ = t.apply(.ctrl("u"))
        XCTAssertEqual(t.text, " ")
        _ = t.apply(.ctrl("k"))
        XCTAssertEqual(t.text, "")
        XCTAssertFalse(t.apply(.enter))
        XCTAssertEqual(TextInput("abcdef").rendered(width: 4), "def▏", "the cursor stays in view")
        // Search and try-your-own start empty and take the same keys.
        var s = Fixtures.group()
        _ = reduce(&s, .key(.char("3")))
        _ = reduce(&s, .key(.char("i")))
        for c in "name : X" { _ = reduce(&s, .key(.char(c))) }
        _ = reduce(&s, .key(.ctrl("w")))
        guard case .tryOwn(let input) = s.mode else { return XCTFail() }
        XCTAssertEqual(input.text, "name : ")
    }

    func testEnterOpensTheRunDetailAndEscGoesBack() {
        var s = Fixtures.group()
        _ = reduce(&s, .key(.char("2")))
        XCTAssertEqual(reduce(&s, .key(.enter)), [.openDetail(run: "ft-1")])
        XCTAssertEqual(s.mode, .detail(run: "ft-1", scroll: 0))
        let d = RunDetail(id: "ft-1", folder: "/ws/runs/ft-1", status: "done", commandLine: "prefixlab train --model m",
                          spec: [.init("lr", "0.0003")], history: [.init("2026-12-01 10:00:00", "started: finetune, 10 steps, 1000 trainable")],
                          checkpoints: [.init(name: "step-000010", bytes: 4096, best: true)], metrics: [.init("BLEU", 0.5)],
                          logTail: (1...50).map { "line \($0)" }, logPath: "/ws/runs/ft-1/output.log")
        _ = reduce(&s, .detail(d))
        let screen = render(s, glyphs: .unicode).lines.joined(separator: "\n")
        for want in ["prefixlab train --model m", "started: finetune", "step-000010 (best)", "4.0 KiB", "BLEU", "50.00", "line 50", "following"] {
            XCTAssertTrue(screen.contains(want), want)
        }
        _ = reduce(&s, .key(.char("k")))
        XCTAssertEqual(s.mode, .detail(run: "ft-1", scroll: 1))
        XCTAssertFalse(render(s, glyphs: .unicode).lines.joined().contains("line 50"), "scrolled up one line")
        _ = reduce(&s, .key(.char("G")))
        XCTAssertEqual(s.mode, .detail(run: "ft-1", scroll: 0))
        _ = reduce(&s, .key(.escape))
        XCTAssertEqual(s.mode, .normal)
        XCTAssertNil(s.detail)
    }

    func testVOnRunsShowsOneGroupAndMarksShowInTheRows() {
        var s = Fixtures.state(width: 160, height: 40)
        for (id, g) in [("a", "g1"), ("b", "g2"), ("c", "g1")] {
            var v = RunView(id: id, method: "prefix", status: .done); v.group = g
            _ = reduce(&s, .runInfo(v))
        }
        _ = reduce(&s, .key(.char("2")))
        XCTAssertEqual(s.runsList.map(\.id), ["a", "b", "c"])
        _ = reduce(&s, .key(.char("v")))
        XCTAssertEqual(s.runsGroup, "g1")
        XCTAssertEqual(s.runsList.map(\.id), ["a", "c"])
        _ = reduce(&s, .key(.char("j")))
        _ = reduce(&s, .key(.char(" ")))
        XCTAssertEqual(s.marked, ["c"])
        let lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines.contains { $0.contains("+c") }, "a marked run is flagged in its row")
        XCTAssertTrue(lines.contains { $0.contains("group") })
        XCTAssertFalse(lines.contains { $0.contains(" b ") })
        _ = reduce(&s, .key(.char("v"))); _ = reduce(&s, .key(.char("v")))
        XCTAssertNil(s.runsGroup, "after the last group, every run again")
    }

    func testCompareDefaultsToOneRunPerMethodAndSortsByDisagreement() {
        var s = Fixtures.group()
        XCTAssertEqual(CompareModel.columns(s), ["ft-1", "prefix-10", "emb-10"])
        XCTAssertEqual(CompareModel.order(s), [0, 1])
        _ = reduce(&s, .key(.char("3")))
        _ = reduce(&s, .key(.char("s")))
        XCTAssertEqual(s.compareSort, .disagreement)
        XCTAssertEqual(CompareModel.order(s), [1, 0])
        _ = reduce(&s, .key(.char("f")))
        XCTAssertEqual(CompareModel.order(s), [1], "the first example's outputs are identical")
        _ = reduce(&s, .key(.char("s")))
        XCTAssertEqual(s.compareSort, .worst)
    }

    func testTryYourOwnDecodesWithTheShownRuns() {
        var s = Fixtures.group()
        _ = reduce(&s, .key(.char("3")))
        _ = reduce(&s, .key(.char("i")))
        for c in "name : Zizzi" { _ = reduce(&s, .key(.char(c))) }
        XCTAssertEqual(reduce(&s, .key(.enter)), [.decode(source: "name : Zizzi", runs: ["ft-1", "prefix-10", "emb-10"])])
        _ = reduce(&s, .tryOwnOutput(run: "ft-1", output: "Zizzi is a pub."))
        XCTAssertEqual(s.tryOwnOutputs["ft-1"], "Zizzi is a pub.")
    }

    func testAOnCompareShowsWhereTwoRunsAttendAsHeatmaps() {
        var s = Fixtures.group()
        s.width = 140; s.height = 36
        _ = reduce(&s, .key(.char("3")))
        let source = s.compare[CompareModel.order(s)[0]].source
        XCTAssertEqual(reduce(&s, .key(.char("A"))), [.inspectAttention(source: source, runs: ["prefix-10", "emb-10"])],
                       "the two shown runs with virtual rows, before fine-tuning")
        XCTAssertEqual(s.mode, .attention(scroll: 0, part: .virtual))
        XCTAssertTrue(render(s, glyphs: .unicode).lines.joined(separator: "\n").contains("decoding…"))
        let share = { (v: Double) in AttentionShare(virtual: v, source: 1 - v, generated: 0) }
        _ = reduce(&s, .attention(AttentionMap(run: "prefix-10", source: source, kind: "prefix", rows: 10, output: "Zizzi is a pub .",
                                               tokens: [" Zizzi", " is"], shares: [[share(1), share(0)], [share(0.5), share(0.25)]])))
        _ = reduce(&s, .attention(AttentionMap(run: "emb-10", source: source, error: "no checkpoint")))
        _ = reduce(&s, .attention(AttentionMap(run: "emb-10", source: "another source", kind: "virtual tokens")))
        var lines = render(s, glyphs: .unicode).lines
        let row = lines.first { $0.contains("·Zizzi") }!
        XCTAssertTrue(row.contains("██") && row.contains(" 50"), "full share at layer 0, none at layer 1, mean 50%: \(row)")
        XCTAssertTrue(lines.contains { $0.contains("·is") && $0.contains("▄▄ ▂▂") && $0.contains(" 38") })
        XCTAssertTrue(lines.contains { $0.contains("✗ no checkpoint") }, "a stale map for another source is ignored; the error shows")
        _ = reduce(&s, .key(.char("m")))
        XCTAssertEqual(s.mode, .attention(scroll: 0, part: .source))
        lines = render(s, glyphs: .unicode).lines
        XCTAssertTrue(lines.contains { $0.contains("·Zizzi") && $0.contains(" 50") && $0.contains("██") })
        XCTAssertTrue(lines.contains { $0.contains("share on the source") })
        _ = reduce(&s, .key(.char("j"))); _ = reduce(&s, .key(.char("j"))); _ = reduce(&s, .key(.char("j")))
        XCTAssertEqual(s.mode, .attention(scroll: 2, part: .source), "scrolling stops at the longest map")
        _ = reduce(&s, .key(.escape))
        XCTAssertEqual(s.mode, .normal)
        XCTAssertEqual(s.screen, .compare)
    }

    func testPOnRunsShowsWhatTheSelectedPrefixMeansLayerByLayer() {
        var s = Fixtures.group()
        s.width = 120; s.height = 30
        _ = reduce(&s, .key(.char("2")))
        XCTAssertEqual(s.selectedRunView?.id, "ft-1")
        XCTAssertEqual(reduce(&s, .key(.char("P"))), [])
        XCTAssertEqual(s.message, "ft-1: a finetune run has no virtual rows (P reads prefix, infix and embedding runs)")
        _ = reduce(&s, .key(.char("j")))
        XCTAssertEqual(reduce(&s, .key(.char("P"))), [.inspectPrefix(run: "prefix-10")])
        XCTAssertEqual(s.mode, .prefixMeaning(run: "prefix-10", layer: 0, scroll: 0))
        XCTAssertTrue(render(s, glyphs: .unicode).lines.joined().contains("reading the vocabulary"))
        let n = { (t: String, c: Double) in PrefixMeaning.Neighbour(token: t, cosine: c) }
        _ = reduce(&s, .prefixMeaning(PrefixMeaning(run: "prefix-10", kind: "prefix", initialization: "words:name area",
                                                    nearest: [[[n(" name", 0.91), n(" area", 0.4)], [n(" area", 0.8)]], [[n(" food", 0.3)], [n(" pub", 0.2)]]],
                                                    moved: [.init(word: "name", cosine: 0.97, relative: 0.12), .init(word: " area", cosine: 0.9, relative: 0.3)])))
        var screen = render(s, glyphs: .unicode).lines.joined(separator: "\n")
        for want in ["layer 0 of 2", "p0   \" name\" 0.91  \" area\" 0.40", "p1   \" area\" 0.80", "moved from the initial words", "p0 \"name\" 0.97·0.12"] {
            XCTAssertTrue(screen.contains(want), want)
        }
        _ = reduce(&s, .key(.right)); _ = reduce(&s, .key(.right))
        XCTAssertEqual(s.mode, .prefixMeaning(run: "prefix-10", layer: 1, scroll: 0), "the last layer is the end")
        screen = render(s, glyphs: .unicode).lines.joined(separator: "\n")
        XCTAssertTrue(screen.contains("layer 1 of 2") && screen.contains("\" pub\" 0.20"))
        _ = reduce(&s, .key(.escape))
        XCTAssertEqual(s.mode, .normal)
    }

    func testAblationGroupsSeedsWithMeanAndSD() {
        var runs: [RunView] = []
        for (i, bleu) in [0.40, 0.44].enumerated() {
            var v = RunView(id: "p\(i)", method: "prefix", status: .done)
            v.prefixLength = 10; v.metrics = ["BLEU": bleu]; v.trainableParams = 400; v.storedParams = 40; v.modelParams = 1000
            runs.append(v)
        }
        var ft = RunView(id: "ft", method: "finetune", status: .done)
        ft.metrics = ["BLEU": 0.5]
        runs.append(ft)
        let rows = AblationModel.rows(runs)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].mean["BLEU"]!, 0.42, accuracy: 1e-12)
        XCTAssertEqual(rows[0].sd["BLEU"]!, 0.0282842712, accuracy: 1e-9)
        XCTAssertEqual(rows[0].share!, 4, accuracy: 1e-12)
        XCTAssertEqual(AblationModel.cells(rows[0])[3...6], ["400", "40", "4.0", "42.0±2.8"])
        XCTAssertEqual(AblationModel.sorted(rows, by: 6).map(\.method), ["finetune", "prefix"])
        let md = AblationModel.markdown(rows)
        XCTAssertTrue(md.hasPrefix("| method | P | seeds |"))
        XCTAssertTrue(AblationModel.csv(rows).contains("prefix,10,2,p0 p1,400,40,4.0000,42.0000,2.8284"))
    }

    /// FT-top2 is not fine-tuning, nor an adapter of bottleneck 1 one of bottleneck 55: a
    /// method's variant keeps them apart and names their rows.
    func testAblationKeepsVariantsApart() {
        var runs: [RunView] = []
        for (id, method, variant, bleu) in [("ft", "finetune", nil, 0.5), ("top2", "finetune", "top2", 0.45), ("a1", "adapter", "lin b1", 0.3),
                                           ("a55", "adapter", "lin b55", 0.4), ("a55s2", "adapter", "lin b55", 0.42), ("lora", "lora", "r8", 0.41)] as [(String, String, String?, Double)] {
            var v = RunView(id: id, method: method, status: .done)
            v.variant = variant; v.metrics = ["BLEU": bleu]
            runs.append(v)
        }
        let rows = AblationModel.rows(runs)
        XCTAssertEqual(rows.map(\.label), ["finetune", "finetune top2", "adapter lin b1", "adapter lin b55", "lora r8"])
        XCTAssertEqual(rows[3].runs, ["a55", "a55s2"])
        XCTAssertEqual(AblationModel.cells(rows[1])[0], "finetune top2")
        XCTAssertEqual(runs[1].methodLabel, "finetune top2")
        XCTAssertTrue(AblationModel.csv(rows).contains("adapter lin b55,,2,a55 a55s2"))
    }

    func testDatasetFilterAndSearch() {
        var s = Fixtures.state()
        let ex = (0..<4).map { i in DatasetView.Example(id: "\(i)", source: "src \(i)", references: ["ref \(i)"], raw: "raw", category: i < 2 ? "Airport" : "Food", seen: i < 3) }
        _ = reduce(&s, .datasets([DatasetView(name: "d", path: "d", format: "jsonl", examples: ex, summary: [])]))
        _ = reduce(&s, .key(.char("1")))
        _ = reduce(&s, .key(.char("f")))
        XCTAssertEqual(s.categoryFilter, "seen")
        XCTAssertEqual(visibleExamples(s), [0, 1, 2])
        _ = reduce(&s, .key(.char("f"))); _ = reduce(&s, .key(.char("f")))
        XCTAssertEqual(s.categoryFilter, "Airport")
        _ = reduce(&s, .key(.char("f"))); _ = reduce(&s, .key(.char("f")))
        XCTAssertNil(s.categoryFilter)
        _ = reduce(&s, .key(.char("/")))
        for c in "ref 3" { _ = reduce(&s, .key(.char(c))) }
        _ = reduce(&s, .key(.enter))
        XCTAssertEqual(s.exampleIndex, 3)
        _ = reduce(&s, .key(.char("g")))
        XCTAssertEqual(s.exampleIndex, 0)
        _ = reduce(&s, .key(.char("n")))
        XCTAssertEqual(s.exampleIndex, 3)
    }

    func testMouseClickOnATabSwitchesScreen() {
        var s = Fixtures.state()
        let (id, range) = Layout.tabs(s).first { $0.0 == .ablation }!
        _ = reduce(&s, .key(.mouse(x: range.lowerBound + 1, y: 0)))
        XCTAssertEqual(s.screen, id)
    }
}

final class GroupTests: XCTestCase {
    func testAblationShowsTheCurrentGroupAndVCyclesGroups() {
        var s = Fixtures.group()
        for i in s.runs.indices { s.runs[i].group = "a" }
        var other = RunView(id: "low-prefix-50", method: "prefix", status: .done)
        other.prefixLength = 10; other.metrics = ["BLEU": 0.1]; other.group = "b"
        _ = reduce(&s, .runInfo(other))
        s.groupName = "a"
        XCTAssertEqual(AblationModel.rows(s.groupRuns).first { $0.method == "prefix" }?.runs, ["prefix-10"])
        _ = reduce(&s, .key(.char("4")))
        _ = reduce(&s, .key(.char("v")))
        XCTAssertEqual(s.groupName, "b")
        XCTAssertEqual(s.groupRuns.map(\.id), ["low-prefix-50"])
    }
}

final class RunGroupTests: XCTestCase {
    func testRQueuesTheGroupUnlessReadOnly() {
        var s = Fixtures.state()
        s.groupName = "e2e-ablation"
        XCTAssertEqual(reduce(&s, .key(.char("R"))), [.runGroup("e2e-ablation")])
        s.readOnly = true
        XCTAssertEqual(reduce(&s, .key(.char("R"))), [])
        XCTAssertTrue(s.message!.contains("read-only"))
    }
}
