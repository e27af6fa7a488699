import Screen

/// Events (5): the live event log of every run, newest at the bottom; failures stand out and
/// `f` shows only them.
enum EventsPane {
    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let lines = eventLines(s)
        let errors = s.events.filter(\.isError).count
        let inner = Box.draw(r, title: "Events · \(s.events.count) · \(errors) failure\(errors == 1 ? "" : "s")\(s.eventErrorsOnly ? " · failures only" : "")", into: &buf, glyphs: g)
        guard !lines.isEmpty else {
            buf.put(s.eventErrorsOnly ? "No failures." : "No events yet.", x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        let end = lines.count - min(s.eventScroll, lines.count - 1)
        let start = max(0, end - inner.height)
        for (k, e) in lines[start..<end].enumerated() {
            let time = String(e.time.split(separator: "T").last?.prefix(8) ?? "")
            let text = "\(time) " + DisplayWidth.fit(e.run, 14) + " " + DisplayWidth.fit(e.type, 10) + " " + e.text
            buf.put(DisplayWidth.fit(text, inner.width - 1, ellipsis: g.ellipsis), x: inner.x + 1, y: inner.y + k, role: e.isError ? .bad : (e.type == "finished" ? .good : .normal))
        }
    }
}
