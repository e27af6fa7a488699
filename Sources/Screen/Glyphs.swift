/// The characters borders, bars and sparklines are drawn with: Unicode block and box
/// characters, or plain ASCII for a non-UTF-8 locale or `--ascii`.
public struct Glyphs: Sendable, Equatable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Character
    public var teeLeft, teeRight, teeDown, teeUp: Character
    /// Nine levels from empty to full, for sparklines and bars.
    public var levels: [Character]
    public var point: Character, selector: Character, ellipsis: String

    public static let unicode = Glyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
                                       teeLeft: "├", teeRight: "┤", teeDown: "┬", teeUp: "┴",
                                       levels: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], point: "●", selector: "▶", ellipsis: "…")
    public static let ascii = Glyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
                                     teeLeft: "+", teeRight: "+", teeDown: "+", teeUp: "+",
                                     levels: [" ", "_", ".", ",", "-", "~", "=", "*", "#"], point: "o", selector: ">", ellipsis: "~")
}
