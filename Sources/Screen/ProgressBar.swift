/// A horizontal bar filled to a fraction, with eighth-cell resolution.
public enum ProgressBar {
    public static func render(_ fraction: Double, width: Int, glyphs: Glyphs = .unicode) -> String {
        guard width > 0 else { return "" }
        let f = max(0, min(1, fraction.isFinite ? fraction : 0))
        let eighths = Int((f * Double(width * 8)).rounded())
        let full = eighths / 8, rest = eighths % 8
        let unicode = glyphs.levels.last == "█"
        var s = String(repeating: unicode ? "█" : "#", count: full)
        if full < width {
            if unicode { s += rest > 0 ? String(["▏", "▎", "▍", "▌", "▋", "▊", "▉"][rest - 1]) : " " } else { s += rest >= 4 ? "=" : "." }
            s += String(repeating: unicode ? " " : ".", count: width - full - 1)
        }
        return s
    }
}
