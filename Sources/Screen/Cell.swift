/// What a cell means, not how it looks: a theme maps each role to colours and attributes, so
/// every theme (and monochrome) renders the same screens.
public enum Role: String, CaseIterable, Sendable {
    case normal, dim, title, border, tab, tabActive, header, selected, accent
    case good, bad, warn, spark, sparkValid, novel, footerKey, footerText, input
    /// Overlaid runs' curves, one colour each.
    case series1, series2, series3, series4, series5, series6
}

/// One terminal cell. A wide character occupies two cells: its own and a continuation cell
/// (`isContinuation`) that the terminal skips.
public struct Cell: Equatable, Sendable {
    public var char: Character
    public var role: Role
    public var isContinuation: Bool

    public init(_ char: Character = " ", role: Role = .normal, isContinuation: Bool = false) {
        self.char = char; self.role = role; self.isContinuation = isContinuation
    }
    public static let blank = Cell()
}
