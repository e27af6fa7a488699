import Screen
import Support

/// Events (5): the live event log of every run, newest at the bottom; failures stand out and
/// `f` shows only them.
enum EventsPane {
    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let lines = eventLines(s)
        let errors = s.events.filter(\.isError).count
        let inner = Box.draw(r, title: "Events · \(s.events.count) · \(errors) failure\(errors == 1 ? "" : "s")\(s.eventErrorsOnly ? " · failures only" : "")\(s.eventScroll > 0 ? " · \(s.eventScroll) lines up (G: newest)" : "") · times UTC", into: &buf, glyphs: g)
        guard !lines.isEmpty else {
            buf.put(s.eventErrorsOnly ? "No failures." : "No events yet.", x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        let end = lines.count - min(s.eventScroll, lines.count - 1)
        let start = max(0, end - inner.height)
        // Names as wide as the longest shown (a third of the width at most); times with their
        // date, as recorded (UTC).
        let runWidth = min(max(6, inner.width / 3), lines[start..<end].map { DisplayWidth.of($0.run) }.max() ?? 6)
        for (k, e) in lines[start..<end].enumerated() {
            let text = Timestamp.display(e.time) + " " + DisplayWidth.fit(e.run, runWidth) + " " + DisplayWidth.fit(e.type, 10) + " " + e.text
            buf.put(DisplayWidth.fit(text, inner.width - 1, ellipsis: g.ellipsis), x: inner.x + 1, y: inner.y + k, role: e.isError ? .bad : (e.type == "finished" ? .good : .normal))
        }
    }
}
