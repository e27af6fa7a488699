/// Text from a file or a flag, made safe to print on one terminal line: control characters
/// (ESC, NUL, CR, LF, ...) become `\u{..}` escapes and anything past `limit` characters is cut,
/// so a hostile file cannot move the cursor, clear the screen or flood the error line.
public struct Escaped: CustomStringConvertible, Sendable {
    public let raw: String
    public let limit: Int
    public init(_ raw: String, limit: Int = 120) { self.raw = raw; self.limit = limit }

    public var description: String {
        var out = ""
        var n = 0
        for scalar in raw.unicodeScalars {
            if n == limit { out += "…"; break }
            n += 1
            switch scalar.value {
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0..<0x20, 0x7F, 0x80..<0xA0: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
