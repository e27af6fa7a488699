import Screen

/// What a run's prefix means in the model's own terms (`prefixlab inspect prefix`, as the shell
/// computes it): per layer (one "layer" for virtual tokens) and position, the nearest
/// vocabulary tokens; for a run initialised from words, how far each position moved.
public struct PrefixMeaning: Equatable, Sendable {
    public struct Neighbour: Equatable, Sendable {
        public var token: String, cosine: Double
        public init(token: String, cosine: Double) { self.token = token; self.cosine = cosine }
    }
    public struct Moved: Equatable, Sendable {
        public var word: String, cosine: Double, relative: Double
        public init(word: String, cosine: Double, relative: Double) { self.word = word; self.cosine = cosine; self.relative = relative }
    }
    public var run: String
    /// "virtual tokens", "prefix" or "infix".
    public var kind: String
    public var initialization: String
    /// nearest[layer][position].
    public var nearest: [[[Neighbour]]]
    public var moved: [Moved]?
    public var error: String?

    public init(run: String, kind: String = "", initialization: String = "", nearest: [[[Neighbour]]] = [], moved: [Moved]? = nil, error: String? = nil) {
        self.run = run; self.kind = kind; self.initialization = initialization; self.nearest = nearest; self.moved = moved; self.error = error
    }
}

/// The prefix view (P on Runs): one layer at a time (←/→), a line per position with its
/// nearest tokens and their cosines, and the movement from the initial words below.
enum PrefixMeaningPane {
    static func render(_ s: AppState, run: String, layer: Int, scroll: Int, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        guard let m = s.prefixMeaning, m.run == run else {
            let inner = Box.draw(r, title: "\(run) · what the prefix means", into: &buf, glyphs: g)
            buf.put("reading the vocabulary against \(run)'s rows…", x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        if let e = m.error {
            let inner = Box.draw(r, title: "\(run) · what the prefix means", into: &buf, glyphs: g)
            for (i, l) in DisplayWidth.wrap("✗ " + e, inner.width - 2).prefix(inner.height).enumerated() { buf.put(l, x: inner.x + 1, y: inner.y + i, role: .bad) }
            return
        }
        let L = m.nearest.count, l = min(max(0, layer), max(0, L - 1))
        let what = m.kind == "virtual tokens" ? "nearest tokens by input embedding" : "layer \(l) of \(L): nearest tokens by their own key at this layer"
        let inner = Box.draw(r, title: "\(run) · \(m.kind) · init \(m.initialization) · \(what) (cosine)", into: &buf, glyphs: g)
        var y = inner.y
        let movedRows = m.moved.map { min($0.count + 1, inner.height / 3) } ?? 0
        let rows = L > 0 ? m.nearest[l] : []
        let room = max(0, inner.height - movedRows)
        let first = min(max(0, scroll), max(0, rows.count - room))
        for p in first..<min(rows.count, first + room) {
            var x = inner.x + 1
            x += buf.put("p\(p)".padding(toLength: 5, withPad: " ", startingAt: 0), x: x, y: y, role: .header)
            for n in rows[p] {
                let cell = "\"" + n.token.replacingOccurrences(of: "\n", with: "\\n") + "\" " + String(format: "%.2f", n.cosine) + "  "
                guard x + DisplayWidth.of(cell) <= inner.maxX else { break }
                x += buf.put(cell, x: x, y: y, role: n.cosine >= 0.5 ? .accent : .normal)
            }
            y += 1
        }
        if let moved = m.moved, movedRows > 0 {
            y = inner.maxY - movedRows
            buf.put("moved from the initial words: cosine to the start · distance / start's norm", x: inner.x + 1, y: y, role: .header, clip: inner)
            var x = inner.x + 1
            y += 1
            for (p, mv) in moved.enumerated() {
                let cell = String(format: "p%d \"%@\" %.2f·%.2f   ", p, mv.word, mv.cosine, mv.relative)
                if x + DisplayWidth.of(cell) > inner.maxX { x = inner.x + 1; y += 1 }
                guard y < inner.maxY else { break }
                x += buf.put(cell, x: x, y: y, role: .normal)
            }
        }
    }
}
