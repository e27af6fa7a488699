import Screen

/// A line being typed, with its cursor, edited as a shell's line editor edits: every text
/// field of the workbench (search, try your own, the launch form) is one of these.
public struct TextInput: Equatable, Sendable {
    public private(set) var text: String
    /// Characters before the cursor.
    public private(set) var cursor: Int

    public init(_ text: String = "") { self.text = text; cursor = text.count }

    /// The editing keys, for the help screen and the footers of text fields (keys as data).
    public static let bindings: [(keys: [Key], help: String)] = [
        ([.left, .right], "move the cursor"),
        ([.ctrl("a"), .home], "start of line"),
        ([.ctrl("e"), .end], "end of line"),
        ([.ctrl("u")], "delete to the start"),
        ([.ctrl("k")], "delete to the end"),
        ([.ctrl("w")], "delete the word before the cursor"),
        ([.backspace, .delete], "delete a character (before / at the cursor)"),
    ]

    /// Carries out an editing key; false when `k` is not one (the caller handles it).
    public mutating func apply(_ k: Key) -> Bool {
        var chars = Array(text)
        switch k {
        case .char(let c): chars.insert(c, at: cursor); cursor += 1
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(chars.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = chars.count
        case .backspace, .ctrl("h"):
            guard cursor > 0 else { return true }
            chars.remove(at: cursor - 1); cursor -= 1
        case .delete, .ctrl("d"):
            guard cursor < chars.count else { return true }
            chars.remove(at: cursor)
        case .ctrl("u"): chars.removeFirst(cursor); cursor = 0
        case .ctrl("k"): chars.removeLast(chars.count - cursor)
        case .ctrl("w"):
            var i = cursor
            while i > 0, chars[i - 1] == " " { i -= 1 }
            while i > 0, chars[i - 1] != " " { i -= 1 }
            chars.removeSubrange(i..<cursor); cursor = i
        default: return false
        }
        text = String(chars)
        return true
    }

    /// The text as shown in `width` columns with a bar at the cursor, scrolled so the cursor
    /// stays in view.
    public func rendered(width: Int, focused: Bool = true) -> String {
        guard focused else { return DisplayWidth.fit(text, width) }
        let chars = Array(text)
        var before = String(chars[..<cursor]), after = String(chars[cursor...])
        while DisplayWidth.of(before) + 1 > width, !before.isEmpty { before.removeFirst() }
        let room = width - DisplayWidth.of(before) - 1
        while DisplayWidth.of(after) > room, !after.isEmpty { after.removeLast() }
        return before + "▏" + after
    }
}
