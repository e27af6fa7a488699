import Foundation

/// A multi-row chart of one or more series over a shared x axis (optimizer steps), with y
/// labels on the left, optional step labels below and an optional one-row strip (the
/// learning rate) on the same x axis, so a column of the strip is the same step as the
/// column of the curve above it. A series is a filled area (eighth-cell resolution), a line
/// (braille dots, 4 per cell row, joined column to column) or markers. Columns take the mean
/// of the points that fall in them.
public struct Plot: Sendable {
    public enum Style: Sendable, Equatable { case area, line, markers(Character) }

    public struct Series: Sendable {
        public var points: [(x: Double, y: Double)]
        public var role: Role
        public var style: Style
        public init(_ points: [(x: Double, y: Double)], role: Role, style: Style = .area) {
            self.points = points; self.role = role; self.style = style
        }
        public init(_ points: [(x: Double, y: Double)], role: Role, marker: Character?) {
            self.init(points, role: role, style: marker.map { .markers($0) } ?? .area)
        }
    }

    public var series: [Series]
    public var xRange: ClosedRange<Double>?
    /// The y range shown (default: the data's); values beyond it are clipped to the edge.
    public var yRange: ClosedRange<Double>?
    /// A logarithmic y axis (values ≤ 0 are not drawn).
    public var logY = false
    /// A row of step labels under the plot.
    public var xLabels = false
    /// A one-row series under the plot on the same columns, with its label ("lr").
    public var strip: (label: String, values: [(x: Double, y: Double)], role: Role)? = nil

    public init(_ series: [Series], xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.series = series; self.xRange = xRange; self.yRange = yRange
    }

    static func label(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1000 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 0.01 || a == 0 { return String(format: "%.2f", v) }
        return String(format: "%.0e", v)
    }

    static func stepLabel(_ v: Double) -> String {
        v >= 10_000 ? String(format: "%.0fk", v / 1000) : String(Int(v.rounded()))
    }

    /// The column of x among `columns` columns spanning `xr`: what the curve, the strip and
    /// the labels share.
    static func column(_ x: Double, columns: Int, xr: ClosedRange<Double>) -> Int {
        let span = max(xr.upperBound - xr.lowerBound, 1e-12)
        return min(columns - 1, max(0, Int((x - xr.lowerBound) / span * Double(columns - 1) + 0.5)))
    }

    /// Column means of a series over `columns` columns spanning `xr`; nil where no point falls.
    static func columnMeans(_ pts: [(x: Double, y: Double)], columns: Int, xr: ClosedRange<Double>) -> [Double?] {
        var sum = [Double](repeating: 0, count: columns), n = [Int](repeating: 0, count: columns)
        for p in pts where p.y.isFinite && xr.contains(p.x) {
            let c = column(p.x, columns: columns, xr: xr)
            sum[c] += p.y; n[c] += 1
        }
        return (0..<columns).map { n[$0] > 0 ? sum[$0] / Double(n[$0]) : nil }
    }

    /// Fills columns between two known ones linearly, so a curve with fewer points than
    /// columns still reads as a curve (nothing is drawn before the first or after the last).
    static func interpolateGaps(_ cols: inout [Double?]) {
        var last: Int? = nil
        for i in cols.indices where cols[i] != nil {
            if let l = last, i - l > 1, let a = cols[l], let b = cols[i] {
                for k in (l + 1)..<i { cols[k] = a + (b - a) * Double(k - l) / Double(i - l) }
            }
            last = i
        }
    }

    /// Braille dot bits of the left column of a cell, top to bottom.
    static let brailleLeft: [UInt32] = [0x01, 0x02, 0x04, 0x40]
    static let brailleRight: [UInt32] = [0x08, 0x10, 0x20, 0x80]

    public func render(in r: Rect, into buf: inout ScreenBuffer, glyphs: Glyphs) {
        let shown: (Double) -> Double? = { y in
            guard y.isFinite else { return nil }
            if logY { return y > 0 ? log10(y) : nil }
            return y
        }
        let all = series.flatMap { $0.points.compactMap { p in shown(p.y).map { (x: p.x, y: $0) } } }
        let reserved = (xLabels ? 1 : 0) + (strip == nil ? 0 : 1)
        let lo0 = yRange.flatMap { shown($0.lowerBound) } ?? all.map(\.y).min()
        let hi0 = yRange.flatMap { shown($0.upperBound) } ?? all.map(\.y).max()
        guard r.height - reserved >= 1, r.width >= 8, let lo = lo0, let hi = hi0 else {
            if r.height >= 1 { buf.put("no data yet", x: r.x, y: r.y, role: .dim, clip: r) }
            return
        }
        func text(_ v: Double) -> String { Plot.label(logY ? pow(10, v) : v) }
        let labelWidth = max(text(hi).count, text(lo).count, strip.map { $0.label.count } ?? 0) + 1
        let plot = Rect(x: r.x + labelWidth, y: r.y, width: r.width - labelWidth, height: r.height - reserved)
        buf.put(text(hi), x: r.x, y: r.y, role: .dim, clip: r)
        if plot.height > 1 { buf.put(text(lo), x: r.x, y: plot.maxY - 1, role: .dim, clip: r) }
        if logY, plot.height > 2 { buf.put("log", x: r.x, y: r.y + 1, role: .dim, clip: r) }
        let xs = all.map(\.x)
        let xr = xRange ?? ((xs.min() ?? 0)...max(xs.max() ?? 1, (xs.min() ?? 0) + 1))
        let levelsPerRow = glyphs.levels.count - 1
        func fraction(_ y: Double) -> Double { hi > lo ? (min(hi, max(lo, y)) - lo) / (hi - lo) : 1 }
        for s in series {
            let pts = s.points.compactMap { p in shown(p.y).map { (x: p.x, y: $0) } }
            var cols = Plot.columnMeans(pts, columns: plot.width, xr: xr)
            if case .markers = s.style {} else { Plot.interpolateGaps(&cols) }
            switch s.style {
            case .area:
                let totalLevels = Double(plot.height * levelsPerRow)
                for (c, v) in cols.enumerated() {
                    guard let v else { continue }
                    let L = max(1, Int((fraction(v) * totalLevels).rounded()))
                    for row in 0..<plot.height {
                        let fill = max(0, min(levelsPerRow, L - row * levelsPerRow))
                        if fill > 0 { buf.put(String(glyphs.levels[fill]), x: plot.x + c, y: plot.maxY - 1 - row, role: s.role) }
                    }
                }
            case .markers(let m):
                for (c, v) in cols.enumerated() {
                    guard let v else { continue }
                    let row = min(plot.height - 1, Int((fraction(v) * Double(plot.height - 1)).rounded()))
                    buf.put(String(m), x: plot.x + c, y: plot.maxY - 1 - row, role: s.role)
                }
            case .line:
                drawLine(pts, xr: xr, plot: plot, fraction: fraction, role: s.role, into: &buf, glyphs: glyphs)
            }
        }
        var y = plot.maxY
        if let strip {
            buf.put(strip.label, x: r.x, y: y, role: .dim)
            var cols = Plot.columnMeans(strip.values, columns: plot.width, xr: xr)
            Plot.interpolateGaps(&cols)
            let top = strip.values.map(\.y).filter(\.isFinite).max() ?? 1
            for (c, v) in cols.enumerated() {
                guard let v else { continue }
                let f = top > 0 ? max(0, min(1, v / top)) : 0
                buf.put(String(glyphs.levels[max(1, Int((f * Double(levelsPerRow)).rounded()))]), x: plot.x + c, y: y, role: strip.role)
            }
            y += 1
        }
        if xLabels { renderStepLabels(xr, plot: plot, y: y, into: &buf) }
    }

    /// Step numbers under the columns they name: the ends, and between them as many as fit
    /// with two spaces apart.
    func renderStepLabels(_ xr: ClosedRange<Double>, plot: Rect, y: Int, into buf: inout ScreenBuffer) {
        let ticks = max(2, min(9, plot.width / 12))
        var taken = -2, last = ""
        for i in 0..<ticks {
            // Steps are whole: a label sits at the column of the step it names.
            let x = (xr.lowerBound + (xr.upperBound - xr.lowerBound) * Double(i) / Double(ticks - 1)).rounded()
            let t = Plot.stepLabel(x)
            if t == last { continue }  // a short run: fewer steps than ticks
            last = t
            let c = Plot.column(x, columns: plot.width, xr: xr)
            let start = min(plot.width - t.count, max(0, i == 0 ? c : c - t.count / 2))
            guard start > taken + 1 else { continue }
            buf.put(t, x: plot.x + start, y: y, role: .dim)
            taken = start + t.count
        }
    }

    /// A line in braille: a cell is 2 dots wide and 4 high, so the line has twice the
    /// columns and four times the rows of the plot; each dot column is joined to the previous
    /// one by the dots between them, so steep stretches stay connected. In ASCII, one
    /// character a column at the row of its value.
    func drawLine(_ pts: [(x: Double, y: Double)], xr: ClosedRange<Double>, plot: Rect, fraction: (Double) -> Double, role: Role,
                  into buf: inout ScreenBuffer, glyphs: Glyphs) {
        let braille = glyphs.levels[1] == "▁"
        let perCell = braille ? 2 : 1, dotsPerRow = braille ? 4 : 3
        var cols = Plot.columnMeans(pts, columns: plot.width * perCell, xr: xr)
        Plot.interpolateGaps(&cols)
        let dotsHigh = plot.height * dotsPerRow
        var cells = [UInt32](repeating: 0, count: plot.width * plot.height)
        var previous: Int? = nil
        for (c, v) in cols.enumerated() {
            guard let v else { previous = nil; continue }
            let dot = min(dotsHigh - 1, Int((fraction(v) * Double(dotsHigh - 1)).rounded()))  // 0: bottom
            let from = braille ? (previous ?? dot) : dot
            for d in min(from, dot)...max(from, dot) {
                let rowFromTop = plot.height - 1 - d / dotsPerRow, sub = dotsPerRow - 1 - d % dotsPerRow
                let bit: UInt32 = braille ? (c % 2 == 0 ? Plot.brailleLeft : Plot.brailleRight)[sub] : 1 << UInt32(sub)
                cells[rowFromTop * plot.width + c / perCell] |= bit
            }
            previous = dot
        }
        for row in 0..<plot.height {
            for c in 0..<plot.width {
                let bits = cells[row * plot.width + c]
                guard bits != 0 else { continue }
                let ch: Character = braille ? Character(Unicode.Scalar(0x2800 + bits)!) : bits & 1 != 0 ? "'" : bits & 2 != 0 ? "-" : "."
                buf.put(String(ch), x: plot.x + c, y: plot.y + row, role: role)
            }
        }
    }
}
