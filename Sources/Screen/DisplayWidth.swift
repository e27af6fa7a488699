/// Terminal column widths of text, as wcwidth reports them: CJK ideographs, fullwidth forms
/// and emoji take two columns, combining marks and controls none. Every layout in the
/// workbench measures with this, so wide characters in data never break alignment.
public enum DisplayWidth {
    public static func of(_ c: Character) -> Int {
        var width = 0
        for (i, s) in c.unicodeScalars.enumerated() {
            if s.value == 0xFE0F { return 2 }  // emoji presentation selector
            if i == 0 { width = of(scalar: s) }
        }
        return width
    }

    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

    static func of(scalar s: Unicode.Scalar) -> Int {
        let v = s.value
        if v == 0 { return 0 }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B { return 0 }
        if isWide(v) || s.properties.isEmojiPresentation { return 2 }
        return 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix of `s` that fits `columns`, and its width.
    public static func prefix(_ s: String, fitting columns: Int) -> (text: Substring, width: Int) {
        var w = 0
        var end = s.startIndex
        for i in s.indices {
            let cw = of(s[i])
            if w + cw > columns { break }
            w += cw
            end = s.index(after: i)
        }
        return (s[s.startIndex..<end], w)
    }

    /// `s` cut to `columns` (with an ellipsis when cut) or padded with spaces to exactly that.
    public static func fit(_ s: String, _ columns: Int, ellipsis: String = "…", alignRight: Bool = false) -> String {
        guard columns > 0 else { return "" }
        let w = of(s)
        if w <= columns {
            let pad = String(repeating: " ", count: columns - w)
            return alignRight ? pad + s : s + pad
        }
        let ew = of(ellipsis)
        let (head, hw) = prefix(s, fitting: max(0, columns - ew))
        return String(head) + ellipsis + String(repeating: " ", count: max(0, columns - hw - ew))
    }

    /// Word-wraps `s` into lines of at most `columns`; words longer than a line are split.
    public static func wrap(_ s: String, _ columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        for paragraph in s.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineWidth = 0
            for word in paragraph.split(separator: " ") {
                var word = String(word)
                var ww = of(word)
                if lineWidth > 0 && lineWidth + 1 + ww <= columns {
                    line += " " + word; lineWidth += 1 + ww; continue
                }
                if lineWidth > 0 { lines.append(line); line = ""; lineWidth = 0 }
                while ww > columns {
                    let (head, hw) = prefix(word, fitting: columns)
                    if head.isEmpty { break }
                    lines.append(String(head))
                    word = String(word.dropFirst(head.count)); ww -= hw
                }
                line = word; lineWidth = ww
            }
            lines.append(line)
        }
        return lines
    }
}
