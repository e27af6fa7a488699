/// A grid of cells that panes draw into; the terminal copies what changed to the screen, and
/// tests read it back as text.
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int, height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from (x, y), clipped to `clip` (default: the whole buffer); returns the
    /// columns written. A wide character that would straddle the edge is replaced by a space.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .normal, clip: Rect? = nil) -> Int {
        let c = clip ?? bounds
        guard y >= max(0, c.y), y < min(height, c.maxY) else { return 0 }
        let right = min(width, c.maxX)
        var col = x
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if col + w > right { if col < right && col >= max(0, c.x) { self[col, y] = Cell(" ", role: role) }; col += w; break }
            if col >= max(0, c.x) {
                self[col, y] = Cell(ch, role: role)
                if w == 2 { self[col + 1, y] = Cell(" ", role: role, isContinuation: true) }
            }
            col += w
        }
        return max(0, min(col, right) - x)
    }

    public mutating func fill(_ r: Rect, role: Role = .normal, char: Character = " ") {
        for y in max(0, r.y)..<min(height, r.maxY) where r.x < r.maxX {
            for x in max(0, r.x)..<min(width, r.maxX) { self[x, y] = Cell(char, role: role) }
        }
    }

    /// Changes the role of the cells in `r`, keeping their characters (row highlights).
    public mutating func setRole(_ r: Rect, _ role: Role) {
        for y in max(0, r.y)..<min(height, r.maxY) where r.x < r.maxX {
            for x in max(0, r.x)..<min(width, r.maxX) { self[x, y].role = role }
        }
    }

    /// Row `y` as text (continuation cells skipped), trailing spaces kept.
    public func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].char) }
        return s
    }

    /// Every row as text with trailing spaces removed: what tests compare.
    public var lines: [String] {
        (0..<height).map { y in
            var s = line(y)
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    /// The screen as one string, for tests and snapshots.
    public var text: String { lines.joined(separator: "\n") }
}
