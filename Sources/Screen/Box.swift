/// A bordered frame with a title in its top edge: `┌ title ───┐`.
public enum Box {
    /// Draws the frame around `r` and returns the inside.
    @discardableResult
    public static func draw(_ r: Rect, title: String = "", into buf: inout ScreenBuffer, glyphs g: Glyphs, role: Role = .border, titleRole: Role = .title) -> Rect {
        guard r.width >= 2, r.height >= 2 else { return Rect(x: r.x, y: r.y, width: 0, height: 0) }
        let h = String(repeating: g.horizontal, count: r.width - 2)
        buf.put(String(g.topLeft) + h + String(g.topRight), x: r.x, y: r.y, role: role)
        for y in (r.y + 1)..<(r.maxY - 1) {
            buf.put(String(g.vertical), x: r.x, y: y, role: role)
            buf.put(String(g.vertical), x: r.maxX - 1, y: y, role: role)
        }
        buf.put(String(g.bottomLeft) + h + String(g.bottomRight), x: r.x, y: r.maxY - 1, role: role)
        if !title.isEmpty && r.width > 4 {
            buf.put(" " + DisplayWidth.fit(title, min(DisplayWidth.of(title), r.width - 4), ellipsis: g.ellipsis) + " ", x: r.x + 1, y: r.y, role: titleRole)
        }
        return r.inset(1)
    }

    /// A horizontal divider across a box at row y, with tees into its sides and a title.
    public static func divider(_ r: Rect, y: Int, title: String = "", into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        guard r.width >= 2 else { return }
        buf.put(String(g.teeLeft) + String(repeating: g.horizontal, count: r.width - 2) + String(g.teeRight), x: r.x, y: y, role: .border)
        if !title.isEmpty && r.width > 4 {
            buf.put(" " + DisplayWidth.fit(title, min(DisplayWidth.of(title), r.width - 4), ellipsis: g.ellipsis) + " ", x: r.x + 1, y: y, role: .title)
        }
    }
}
