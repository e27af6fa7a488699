import Foundation
import Support

/// How each role looks: colours (256-colour index with an 8-colour fallback) and attributes.
/// Themes are text files in themes/ (`role = fg bg attrs...`), so users add their own.
public struct Theme: Sendable, Equatable {
    public struct Color: Sendable, Equatable {
        /// nil: the terminal's default colour.
        public var index256: Int?
        public var index8: Int?
        public static let terminalDefault = Color(index256: nil, index8: nil)
    }
    public struct Style: Sendable, Equatable {
        public var fg = Color.terminalDefault, bg = Color.terminalDefault
        public var bold = false, underline = false, reverse = false, dim = false
        public init() {}
    }

    public var name: String
    public var styles: [Role: Style]

    public func style(_ role: Role) -> Style { styles[role] ?? styles[.normal] ?? Style() }

    /// Attributes only, no colour: `NO_COLOR`, `--theme monochrome`, terminals without colour.
    public static let monochrome: Theme = {
        var t = Theme(name: "monochrome", styles: [:])
        func s(_ f: (inout Style) -> Void) -> Style { var st = Style(); f(&st); return st }
        t.styles[.title] = s { $0.bold = true }
        t.styles[.tabActive] = s { $0.reverse = true; $0.bold = true }
        t.styles[.header] = s { $0.bold = true; $0.underline = true }
        t.styles[.selected] = s { $0.reverse = true }
        t.styles[.bad] = s { $0.bold = true }
        t.styles[.novel] = s { $0.underline = true }
        t.styles[.footerKey] = s { $0.bold = true }
        t.styles[.dim] = s { $0.dim = true }
        t.styles[.input] = s { $0.underline = true }
        return t
    }()

    static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    static func parseColor(_ word: String) -> Color? {
        if word == "default" { return .terminalDefault }
        let parts = word.split(separator: "/").map(String.init)
        func index(_ s: String) -> Int? {
            if let n = Int(s), (0...255).contains(n) { return n }
            if let i = colorNames.firstIndex(of: s) { return i }
            if s.hasPrefix("bright"), let i = colorNames.firstIndex(of: String(s.dropFirst(6))) { return i + 8 }
            return nil
        }
        guard let first = index(parts[0]) else { return nil }
        let fallback = parts.count > 1 ? index(parts[1]) : (first < 8 ? first : first < 16 ? first - 8 : nil)
        return Color(index256: first, index8: fallback.map { $0 % 8 })
    }

    /// Parses a theme file: `role = fg bg [bold] [underline] [reverse] [dim]`, `#` comments.
    public static func parse(name: String, text: String, file: String) throws -> Theme {
        var t = Theme(name: name, styles: [:])
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let role = Role(rawValue: kv[0]) else {
                throw ThemeError("\(file):\(n + 1): expected `role = fg bg [attrs]` with role one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let words = kv[1].split(separator: " ").map(String.init)
            var st = Style()
            for (i, w) in words.enumerated() {
                switch w {
                case "bold": st.bold = true
                case "underline": st.underline = true
                case "reverse": st.reverse = true
                case "dim": st.dim = true
                default:
                    guard i < 2, let c = parseColor(w) else { throw ThemeError("\(file):\(n + 1): \"\(w)\" is not a colour (0-255, a name, name/fallback, default) or attribute") }
                    if i == 0 { st.fg = c } else { st.bg = c }
                }
            }
            t.styles[role] = st
        }
        return t
    }

    /// Loads `dir/NAME.theme`; "monochrome" works without its file too (it is the fallback).
    public static func load(name: String, directory: String?) throws -> Theme {
        guard let directory else {
            if name == "monochrome" { return .monochrome }
            throw ThemeError("theme \(name): no themes/ folder found (set PREFIXLAB_THEMES)") }
        let path = directory + "/" + name + ".theme"
        guard let data = FileRead.contents(path) else {
            if name == "monochrome" { return .monochrome }
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(6)) }.sorted()
            throw ThemeError("\(path): no such theme (known: \((known + ["monochrome"]).joined(separator: ", ")))")
        }
        return try parse(name: name, text: String(decoding: data, as: UTF8.self), file: path)
    }

    /// Theme names in a folder, monochrome included.
    public static func available(directory: String?) -> [String] {
        let files = directory.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0) } ?? []
        return Array(Set(files.filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(6)) } + ["monochrome"])).sorted()
    }
}

public struct ThemeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
