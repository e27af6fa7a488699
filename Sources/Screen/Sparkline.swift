/// A one-row chart: each column is one value (or the mean of a bucket of values when there
/// are more values than columns), drawn as one of nine block heights.
public struct Sparkline: Sendable {
    public var values: [Double]
    public var range: ClosedRange<Double>?

    public init(_ values: [Double], range: ClosedRange<Double>? = nil) {
        self.values = values; self.range = range
    }

    /// The values resampled to at most `width` columns (bucket means, latest at the right).
    public static func resample(_ values: [Double], to width: Int) -> [Double] {
        let finite = values.filter(\.isFinite)
        guard width > 0, !finite.isEmpty else { return [] }
        if finite.count <= width { return finite }
        return (0..<width).map { i in
            let a = finite.count * i / width, b = max(a + 1, finite.count * (i + 1) / width)
            return finite[a..<b].reduce(0, +) / Double(b - a)
        }
    }

    public func render(width: Int, glyphs: Glyphs = .unicode) -> String {
        let v = Sparkline.resample(values, to: width)
        guard let lo = range?.lowerBound ?? v.min(), let hi = range?.upperBound ?? v.max() else { return "" }
        let top = glyphs.levels.count - 1
        return String(v.map { x -> Character in
            let f = hi > lo ? (x - lo) / (hi - lo) : 1
            return glyphs.levels[max(0, min(top, Int((f * Double(top)).rounded())))]
        })
    }
}
