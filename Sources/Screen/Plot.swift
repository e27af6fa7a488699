import Foundation

/// A multi-row chart of one or more series over a shared x axis (optimizer steps): the first
/// series as a filled area with eighth-cell resolution, the others as markers, and y labels
/// on the left. Points are (x, y); columns take the mean of the points that fall in them.
public struct Plot: Sendable {
    public struct Series: Sendable {
        public var points: [(x: Double, y: Double)]
        public var role: Role
        public var marker: Character?  // nil: filled area
        public init(_ points: [(x: Double, y: Double)], role: Role, marker: Character? = nil) {
            self.points = points; self.role = role; self.marker = marker
        }
    }

    public var series: [Series]
    public var xRange: ClosedRange<Double>?
    /// The y range shown (default: the data's); values beyond it are clipped to the edge.
    public var yRange: ClosedRange<Double>?
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

    /// Column means of a series over `columns` columns spanning `xr`; nil where no point falls.
    static func columnMeans(_ pts: [(x: Double, y: Double)], columns: Int, xr: ClosedRange<Double>) -> [Double?] {
        var sum = [Double](repeating: 0, count: columns), n = [Int](repeating: 0, count: columns)
        let span = max(xr.upperBound - xr.lowerBound, 1e-12)
        for p in pts where p.y.isFinite {
            let c = min(columns - 1, max(0, Int((p.x - xr.lowerBound) / span * Double(columns - 1) + 0.5)))
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

    public func render(in r: Rect, into buf: inout ScreenBuffer, glyphs: Glyphs) {
        let all = series.flatMap { $0.points.filter { $0.y.isFinite } }
        guard r.height >= 1, r.width >= 8, let lo = yRange?.lowerBound ?? all.map(\.y).min(), let hi = yRange?.upperBound ?? all.map(\.y).max() else {
            if r.height >= 1 { buf.put("no data yet", x: r.x, y: r.y, role: .dim, clip: r) }
            return
        }
        let labelWidth = max(Plot.label(hi).count, Plot.label(lo).count) + 1
        let plot = Rect(x: r.x + labelWidth, y: r.y, width: r.width - labelWidth, height: r.height)
        buf.put(Plot.label(hi), x: r.x, y: r.y, role: .dim, clip: r)
        if r.height > 1 { buf.put(Plot.label(lo), x: r.x, y: r.maxY - 1, role: .dim, clip: r) }
        let xs = all.map(\.x)
        let xr = xRange ?? (xs.min()!...max(xs.max()!, xs.min()! + 1))
        let levelsPerRow = glyphs.levels.count - 1
        let totalLevels = Double(plot.height * levelsPerRow)
        func level(_ y: Double) -> Int {
            let f = hi > lo ? (min(hi, max(lo, y)) - lo) / (hi - lo) : 1
            return Int((f * totalLevels).rounded())
        }
        for s in series {
            var cols = Plot.columnMeans(s.points, columns: plot.width, xr: xr)
            if s.marker == nil { Plot.interpolateGaps(&cols) }
            for (c, v) in cols.enumerated() {
                guard let v else { continue }
                let L = max(s.marker == nil ? 1 : 0, level(v))
                if let m = s.marker {
                    let row = min(plot.height - 1, L / levelsPerRow)
                    buf.put(String(m), x: plot.x + c, y: plot.maxY - 1 - row, role: s.role)
                } else {
                    for row in 0..<plot.height {
                        let fill = max(0, min(levelsPerRow, L - row * levelsPerRow))
                        if fill > 0 { buf.put(String(glyphs.levels[fill]), x: plot.x + c, y: plot.maxY - 1 - row, role: s.role) }
                    }
                }
            }
        }
    }
}
