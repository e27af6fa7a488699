/// ASCII stand-ins for the symbols the panes draw (arrows, bullets, markers, dashes), each one
/// column wide like the symbol it replaces, so a folded screen keeps its layout. With
/// `--ascii` or a non-UTF-8 locale the whole screen is folded before drawing; text from the
/// data is left alone (a terminal that cannot show it gets ncurses' replacement).
public enum ASCIIFold {
    public static let table: [Character: Character] = [
        "–": "-", "—": "-", "┄": "-", "·": ".", "…": "~", "±": "~", "×": "x", "≥": ">",
        "↑": "^", "↓": "v", "←": "<", "→": ">", "▼": "v", "▲": "^", "◆": "+", "●": "o", "■": "#",
        "‹": "<", "›": ">", "▏": "_", "✗": "x", "⏎": "~", "⌫": "~",
        "▎": "=", "▍": "=", "▌": "=", "▋": "=", "▊": "=", "▉": "=", "█": "#",
        "▁": "_", "▂": ".", "▃": ",", "▄": "-", "▅": "~", "▆": "=", "▇": "*",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "▶": ">",
    ]
}

extension ScreenBuffer {
    /// Replaces every symbol of `ASCIIFold.table` in place.
    public mutating func foldToASCII() {
        for y in 0..<height {
            for x in 0..<width {
                if let a = ASCIIFold.table[self[x, y].char] { self[x, y].char = a }
            }
        }
    }
}
