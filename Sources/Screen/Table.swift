/// A table with a header row, fixed column widths, right-aligned numeric columns, a selected
/// row and scrolling that keeps the selection in view.
public struct Table: Sendable {
    public struct Column: Sendable {
        public var title: String, width: Int, alignRight: Bool
        public init(_ title: String, width: Int, alignRight: Bool = false) { self.title = title; self.width = width; self.alignRight = alignRight }
    }
    public var columns: [Column]
    public var rows: [[String]]
    /// Per-row role (status colours); default `.normal`.
    public var rowRoles: [Role]
    public var selected: Int?

    public init(columns: [Column], rows: [[String]], rowRoles: [Role] = [], selected: Int? = nil) {
        self.columns = columns; self.rows = rows; self.rowRoles = rowRoles; self.selected = selected
    }

    /// The first visible row so that `selected` is on screen among `visible` rows.
    public static func scrollOffset(selected: Int, count: Int, visible: Int) -> Int {
        guard visible > 0, count > visible else { return 0 }
        return max(0, min(count - visible, selected - visible / 2))
    }

    /// One line of cells laid out in the column widths, separated by a space.
    public func layout(_ cells: [String], glyphs: Glyphs) -> String {
        zip(columns, cells + Array(repeating: "", count: max(0, columns.count - cells.count)))
            .map { DisplayWidth.fit($1, $0.width, ellipsis: glyphs.ellipsis, alignRight: $0.alignRight) }
            .joined(separator: " ")
    }

    /// Draws the header and as many rows as fit; returns the rows' screen positions (row index,
    /// y) for mouse hit-testing.
    @discardableResult
    public func render(in r: Rect, into buf: inout ScreenBuffer, glyphs: Glyphs) -> [(row: Int, y: Int)] {
        guard r.height >= 1 else { return [] }
        buf.put(DisplayWidth.fit("  " + layout(columns.map(\.title), glyphs: glyphs), r.width), x: r.x, y: r.y, role: .header, clip: r)
        let visible = r.height - 1
        let offset = Table.scrollOffset(selected: selected ?? 0, count: rows.count, visible: visible)
        var placed: [(row: Int, y: Int)] = []
        for (k, i) in (offset..<min(rows.count, offset + visible)).enumerated() {
            let y = r.y + 1 + k
            let isSel = i == selected
            let role: Role = isSel ? .selected : (i < rowRoles.count ? rowRoles[i] : .normal)
            let mark = isSel ? String(glyphs.selector) + " " : "  "
            buf.put(DisplayWidth.fit(mark + layout(rows[i], glyphs: glyphs), r.width), x: r.x, y: y, role: role, clip: r)
            placed.append((i, y))
        }
        return placed
    }
}
