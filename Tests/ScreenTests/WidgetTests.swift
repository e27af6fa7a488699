import XCTest
import Screen

final class WidgetTests: XCTestCase {
    func testSparklineUsesNineLevels() {
        XCTAssertEqual(Sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]).render(width: 9), " ▁▂▃▄▅▆▇█")
        XCTAssertEqual(Sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]).render(width: 9, glyphs: .ascii), " _.,-~=*#")
    }

    func testSparklineResamplesByBucketMeans() {
        XCTAssertEqual(Sparkline.resample([1, 3, 5, 7], to: 2), [2, 6])
        XCTAssertEqual(Sparkline([1, 3, 5, 7, .nan]).render(width: 2), " █")
        XCTAssertEqual(Sparkline([]).render(width: 5), "")
    }

    func testProgressBarEighths() {
        XCTAssertEqual(ProgressBar.render(0.5, width: 4), "██  ")
        XCTAssertEqual(ProgressBar.render(0.5625, width: 4), "██▎ ")
        XCTAssertEqual(ProgressBar.render(1, width: 3), "███")
        XCTAssertEqual(ProgressBar.render(0.5, width: 4, glyphs: .ascii), "##..")
    }

    func testDisplayWidthOfWideAndCombiningCharacters() {
        XCTAssertEqual(DisplayWidth.of("abc"), 3)
        XCTAssertEqual(DisplayWidth.of("東京"), 4)
        XCTAssertEqual(DisplayWidth.of("🍜"), 2)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.fit("東京タワー", 5), "東京…")
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.fit("東京タワー", 6)), 6)
        XCTAssertEqual(DisplayWidth.fit("ab", 4, alignRight: true), "  ab")
    }

    func testWrapBreaksAtWordsAndSplitsLongWords() {
        XCTAssertEqual(DisplayWidth.wrap("the quick brown fox", 9), ["the quick", "brown fox"])
        XCTAssertEqual(DisplayWidth.wrap("abcdefghij", 4), ["abcd", "efgh", "ij"])
        XCTAssertEqual(DisplayWidth.wrap("東京 東京", 4), ["東京", "東京"])
    }

    func testBufferKeepsWideCharactersWhole() {
        var b = ScreenBuffer(width: 4, height: 1)
        b.put("a東京", x: 0, y: 0)
        // "a" + 東 (2 cells) fit; 京 would straddle the edge and becomes a space.
        XCTAssertEqual(b.line(0), "a東 ")
        XCTAssertTrue(b[2, 0].isContinuation)
        XCTAssertEqual(DisplayWidth.of(b.line(0)), 4)
    }

    func testBoxWithTitle() {
        var b = ScreenBuffer(width: 12, height: 3)
        let inner = Box.draw(b.bounds, title: "Runs", into: &b, glyphs: .unicode)
        XCTAssertEqual(b.lines, ["┌ Runs ────┐", "│          │", "└──────────┘"])
        XCTAssertEqual(inner, Rect(x: 1, y: 1, width: 10, height: 1))
        var a = ScreenBuffer(width: 6, height: 2)
        Box.draw(a.bounds, into: &a, glyphs: .ascii)
        XCTAssertEqual(a.lines, ["+----+", "+----+"])
    }

    func testTableAlignsAndMarksSelection() {
        let t = Table(columns: [.init("run", width: 6), .init("loss", width: 5, alignRight: true)],
                      rows: [["ft-1", "1.42"], ["prefix", "2.05"]], selected: 1)
        var b = ScreenBuffer(width: 16, height: 3)
        t.render(in: b.bounds, into: &b, glyphs: .unicode)
        XCTAssertEqual(b.lines, ["  run     loss", "  ft-1    1.42", "▶ prefix  2.05"])
        XCTAssertEqual(b[0, 2].role, .selected)
    }

    func testTableScrollKeepsSelectionVisible() {
        XCTAssertEqual(Table.scrollOffset(selected: 0, count: 100, visible: 10), 0)
        XCTAssertEqual(Table.scrollOffset(selected: 50, count: 100, visible: 10), 45)
        XCTAssertEqual(Table.scrollOffset(selected: 99, count: 100, visible: 10), 90)
    }

    func testPlotFillsAreaAndInterpolates() {
        var b = ScreenBuffer(width: 12, height: 2)
        Plot([.init([(0, 0), (3, 1)], role: .spark)], xRange: 0...3).render(in: b.bounds, into: &b, glyphs: .unicode)
        // y labels, then 7 columns: the two points at the ends, the gap interpolated, rising
        // from one eighth of the bottom row to the top of the second in 16 levels.
        XCTAssertEqual(b.lines, ["1.00     ▃▅█", "0.00 ▁▃▅████"])
    }

    func testPlotStripAndStepLabelsShareTheCurvesColumns() {
        // 25 steps over 40 columns: the last point of the curve, of the lr strip and the
        // last step label sit in the same column.
        var b = ScreenBuffer(width: 46, height: 6)
        let pts = (1...25).map { (x: Double($0), y: 3 - Double($0) * 0.05) }
        var p = Plot([.init(pts, role: .spark, style: .line)], xRange: 0...25)
        p.xLabels = true
        p.strip = ("lr", pts.map { ($0.x, 1e-3) }, .accent)
        p.render(in: b.bounds, into: &b, glyphs: .unicode)
        func lastColumn(_ row: Int) -> Int { b.lines[row].lastIndex { $0 != " " }.map { b.lines[row].distance(from: b.lines[row].startIndex, to: $0) }! }
        let curveEnd = (0..<4).map(lastColumn).max()!
        XCTAssertEqual(lastColumn(4), curveEnd, "lr strip: \(b.lines)")
        XCTAssertEqual(lastColumn(5), curveEnd, "the step label 25 ends under the last step: \(b.lines)")
        XCTAssertTrue(b.lines[5].contains(" 0 ") || b.lines[5].dropFirst(5).hasPrefix("0"), "step 0 labelled: \(b.lines[5])")
        XCTAssertTrue(b.lines[0].contains("⠉") || b.lines[0].contains("⠁") || b.lines[0].contains("⠈"), "a braille line: \(b.lines)")
    }

    func testPlotLogScaleLabelsTheDecades() {
        var b = ScreenBuffer(width: 30, height: 4)
        var p = Plot([.init([(0, 100), (1, 10), (2, 1)], role: .spark, style: .line)], xRange: 0...2)
        p.logY = true
        p.render(in: b.bounds, into: &b, glyphs: .unicode)
        XCTAssertTrue(b.lines[0].hasPrefix("100"), "\(b.lines)")
        XCTAssertTrue(b.lines[1].hasPrefix("log"))
        XCTAssertTrue(b.lines[3].hasPrefix("1.00"))
        // The middle decade halfway up: row 1 or 2 of 4, not the bottom as on a linear axis.
        let middle = (0..<4).map { b[17, $0].char }
        XCTAssertTrue(middle[1] != " " || middle[2] != " ", "\(b.lines)")
        XCTAssertEqual(middle[3], " ", "\(b.lines)")
    }

    func testPlotWithoutDataSaysSo() {
        var b = ScreenBuffer(width: 20, height: 2)
        Plot([]).render(in: b.bounds, into: &b, glyphs: .unicode)
        XCTAssertEqual(b.lines[0], "no data yet")
    }

    func testRectColumnsCoverTheWidth() {
        let cols = Rect(x: 0, y: 0, width: 10, height: 1).columns(3)
        XCTAssertEqual(cols.map(\.width), [3, 3, 4])
        XCTAssertEqual(cols.last!.maxX, 10)
    }
}
