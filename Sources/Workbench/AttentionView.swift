import Screen

/// Where one run's attention went while it decoded a source greedily (`prefixlab inspect
/// attention`, as the shell computes it): per generated token and layer, the heads' mean share
/// on the method's rows (prefix, virtual tokens or infix), on the source and on the text
/// generated so far.
public struct AttentionMap: Equatable, Sendable {
    public var run: String
    public var source: String
    /// "prefix", "virtual tokens", "infix" or "none".
    public var kind: String
    public var rows: Int
    public var output: String
    public var tokens: [String]
    /// shares[token][layer].
    public var shares: [[AttentionShare]]
    /// Why there is no map (no checkpoint, a source too long, ...).
    public var error: String?

    public init(run: String, source: String, kind: String = "none", rows: Int = 0, output: String = "", tokens: [String] = [],
                shares: [[AttentionShare]] = [], error: String? = nil) {
        self.run = run; self.source = source; self.kind = kind; self.rows = rows; self.output = output; self.tokens = tokens
        self.shares = shares; self.error = error
    }
}

public struct AttentionShare: Equatable, Sendable {
    public var virtual: Double, source: Double, generated: Double
    public init(virtual: Double, source: Double, generated: Double) { self.virtual = virtual; self.source = source; self.generated = generated }
    public func value(_ part: AttentionPart) -> Double {
        switch part { case .virtual: return virtual; case .source: return source; case .generated: return generated }
    }
}

/// Which share the heatmap shows.
public enum AttentionPart: String, CaseIterable, Equatable, Sendable {
    case virtual, source, generated
    func label(_ kind: String) -> String {
        switch self { case .virtual: return kind == "none" ? "method's rows (none)" : kind; case .source: return "source"; case .generated: return "generated text" }
    }
}

/// The attention view (A on Compare): one heatmap per run, side by side, rows the generated
/// tokens, columns the layers, each cell the share of the chosen part in nine levels; the last
/// column its mean over layers in %.
enum AttentionPane {
    static func render(_ s: AppState, scroll: Int, part: AttentionPart, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let inner = Box.draw(r, title: "attention · share on the \(part.rawValue == "virtual" ? "prefix / virtual tokens" : part.label("")) · greedy decoding of the source", into: &buf, glyphs: g)
        var y = inner.y
        for line in DisplayWidth.wrap(s.attentionSource, inner.width - 2).prefix(2) { buf.put(line, x: inner.x + 1, y: y, role: .accent); y += 1 }
        let legend = "levels: " + g.levels.dropFirst().map(String.init).joined() + " = 0 → 100%"
        let area = Rect(x: inner.x, y: y, width: inner.width, height: max(0, inner.maxY - y - 1))
        buf.put(DisplayWidth.fit(legend, inner.width - 2), x: inner.x + 1, y: inner.maxY - 1, role: .dim)
        let runs = s.attentionRuns
        guard !runs.isEmpty else {
            buf.put("No runs shown in Compare.", x: area.x + 1, y: area.y, role: .dim, clip: area)
            return
        }
        for (col, run) in zip(area.columns(runs.count), runs) {
            let box = Box.draw(col, title: run, into: &buf, glyphs: g)
            guard let m = s.attention.first(where: { $0.run == run && $0.source == s.attentionSource }) else {
                buf.put("decoding…", x: box.x + 1, y: box.y, role: .dim, clip: box)
                continue
            }
            if let e = m.error {
                for (i, l) in DisplayWidth.wrap("✗ " + e, box.width - 2).prefix(box.height).enumerated() { buf.put(l, x: box.x + 1, y: box.y + i, role: .bad) }
                continue
            }
            heatmap(m, part: part, scroll: scroll, in: box, into: &buf, glyphs: g)
        }
    }

    static func heatmap(_ m: AttentionMap, part: AttentionPart, scroll: Int, in box: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        var y = box.y
        let head = "\(m.kind)\(m.rows > 0 ? " (\(m.rows) rows)" : "") · output: \(m.output)"
        for l in DisplayWidth.wrap(head, box.width - 2).prefix(2) { buf.put(l, x: box.x + 1, y: y, role: .dim); y += 1 }
        let L = m.shares.first?.count ?? 0
        let cell = L <= (box.width - 16) / 3 ? 3 : 2
        let tokenWidth = max(4, min(12, box.width - 2 - L * cell - 5))
        var x = box.x + 1 + tokenWidth
        for l in 0..<L where x + cell <= box.maxX - 5 {
            buf.put(String(l).count < cell ? String(l) : String(l % 10), x: x, y: y, role: .header); x += cell
        }
        buf.put("  %", x: x, y: y, role: .header, clip: box)
        y += 1
        let visible = max(0, box.maxY - y)
        let first = min(max(0, scroll), max(0, m.tokens.count - visible))
        if first > 0 { buf.put("↑ \(first) more", x: box.maxX - 10, y: box.y + 1, role: .dim, clip: box) }
        for k in first..<min(m.tokens.count, first + visible) {
            buf.put(DisplayWidth.fit(m.tokens[k].replacingOccurrences(of: " ", with: "·"), tokenWidth - 1), x: box.x + 1, y: y, role: .normal)
            var x = box.x + 1 + tokenWidth
            var sum = 0.0
            for l in 0..<L {
                let v = m.shares[k][l].value(part)
                sum += v
                guard x + cell <= box.maxX - 5 else { continue }
                let level = g.levels[min(8, max(0, Int((v * 8).rounded())))]
                buf.put(String(repeating: level, count: cell - 1), x: x, y: y, role: v >= 0.5 ? .accent : .normal)
                x += cell
            }
            buf.put(String(format: "%3.0f", 100 * sum / Double(max(1, L))), x: x, y: y, role: .dim, clip: box)
            y += 1
        }
        if m.tokens.isEmpty { buf.put("(no tokens: eos first)", x: box.x + 1, y: y, role: .dim, clip: box) }
    }
}
