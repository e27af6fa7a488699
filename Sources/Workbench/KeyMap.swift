import Screen

/// What a key asks for; the reducer carries it out.
public enum Command: Hashable, Sendable {
    case quit, help, nextScreen, previousScreen, show(ScreenID), cycleTheme
    case up, down, pageUp, pageDown, top, bottom, left, right, open, back
    case search, nextMatch, previousMatch, filter, nextDataset, scrollTextDown, scrollTextUp
    case newRun, start, pause, resume, cancel, overlay, mark
    case sort, chooseRuns, generateMissing, tryOwn, attention, prefixMeaning
    case metric, export, diff, nextGroup, runGroup, smoothing, logScale, zoom
}

/// One key binding: the keys, what they do, where, and whether the footer shows it. The
/// footer and the `?` help are generated from this table, so they cannot drift from it.
public struct Binding: Sendable {
    public var keys: [Key]
    public var command: Command
    public var help: String
    /// nil: every screen.
    public var screens: Set<ScreenID>?
    public var inFooter: Bool
}

public enum KeyMap {
    static func b(_ keys: [Key], _ c: Command, _ help: String, _ screens: [ScreenID]? = nil, footer: Bool = true) -> Binding {
        Binding(keys: keys, command: c, help: help, screens: screens.map(Set.init), inFooter: footer)
    }

    public static let bindings: [Binding] = [
        b([.char("1")], .show(.datasets), "Datasets screen", footer: false),
        b([.char("2")], .show(.runs), "Runs screen", footer: false),
        b([.char("3")], .show(.compare), "Compare screen", footer: false),
        b([.char("4")], .show(.ablation), "Ablation screen", footer: false),
        b([.char("5")], .show(.events), "Events screen", footer: false),
        b([.tab], .nextScreen, "next screen", footer: false),
        b([.backTab], .previousScreen, "previous screen", footer: false),
        b([.down, .char("j")], .down, "next row", footer: false),
        b([.up, .char("k")], .up, "previous row", footer: false),
        b([.pageDown, .ctrl("d")], .pageDown, "page down", footer: false),
        b([.pageUp, .ctrl("u")], .pageUp, "page up", footer: false),
        b([.char("g"), .home], .top, "first row", footer: false),
        b([.char("G"), .end], .bottom, "last row", footer: false),
        b([.left, .char("h")], .left, "previous example", [.compare]),
        b([.right, .char("l")], .right, "next example", [.compare]),
        b([.left, .char("h")], .left, "previous dataset", [.datasets], footer: false),
        b([.right, .char("l")], .right, "next dataset", [.datasets], footer: false),
        b([.char("/")], .search, "search", [.datasets, .compare, .events]),
        b([.char("n")], .nextMatch, "next match", [.datasets, .events]),
        b([.char("N")], .previousMatch, "previous match", [.datasets, .events]),
        b([.char("f")], .filter, "filter: seen / unseen / a category", [.datasets]),
        b([.char("]")], .scrollTextDown, "scroll the example's text down (long documents)", [.datasets, .compare], footer: false),
        b([.char("[")], .scrollTextUp, "scroll the example's text up", [.datasets, .compare], footer: false),
        b([.char("f")], .filter, "only examples whose outputs differ", [.compare]),
        b([.char("f")], .filter, "only failures", [.events]),
        b([.char("n")], .newRun, "new run", [.runs]),
        b([.char("s")], .start, "start queued run", [.runs]),
        b([.char("p")], .pause, "pause", [.runs]),
        b([.char("r")], .resume, "resume", [.runs]),
        b([.char("x")], .cancel, "cancel", [.runs]),
        b([.char("o")], .overlay, "overlay run", [.runs]),
        b([.char("w")], .smoothing, "smoothing weight (EMA)", [.runs]),
        b([.char("L")], .logScale, "log-scale loss", [.runs]),
        b([.char("z")], .zoom, "zoom: the last N steps", [.runs]),
        b([.char("R")], .runGroup, "queue the group's missing runs", [.runs]),
        b([.char(" ")], .mark, "mark run", [.runs, .ablation, .compare]),
        b([.enter], .open, "run detail: spec, log, checkpoints", [.runs]),
        b([.char("P")], .prefixMeaning, "what the prefix means", [.runs]),
        b([.enter], .open, "compare this example's outputs", [.datasets], footer: false),
        b([.escape], .back, "clear the overlay", [.runs], footer: false),
        b([.char("s")], .sort, "sort", [.compare, .ablation]),
        b([.char("c")], .chooseRuns, "columns = marked runs", [.compare]),
        b([.char("a")], .generateMissing, "generate missing outputs", [.compare]),
        b([.char("i")], .tryOwn, "try your own source", [.compare]),
        b([.char("A")], .attention, "attention to the prefix", [.compare]),
        b([.char("m")], .metric, "chart metric", [.ablation]),
        b([.char("v")], .nextGroup, "next ablation group", [.ablation, .compare]),
        b([.char("v")], .nextGroup, "show one group's runs", [.runs]),
        b([.char("d")], .diff, "config diff of marked runs", [.ablation]),
        b([.char("e")], .export, "export md + csv", [.ablation]),
        b([.char("t")], .cycleTheme, "next theme", footer: false),
        b([.char("?")], .help, "help"),
        b([.char("q")], .quit, "quit"),
    ]

    /// The command a key means on a screen; screen-specific bindings win over global ones.
    public static func command(for key: Key, on screen: ScreenID) -> Command? {
        if let s = bindings.first(where: { $0.keys.contains(key) && $0.screens?.contains(screen) == true }) { return s.command }
        return bindings.first(where: { $0.keys.contains(key) && $0.screens == nil })?.command
    }

    /// Bindings that apply on a screen, specific ones first.
    public static func applicable(on screen: ScreenID) -> [Binding] {
        bindings.filter { $0.screens?.contains(screen) == true } + bindings.filter { $0.screens == nil }
    }

    /// (keys, description) pairs for the footer of a screen.
    public static func footer(for screen: ScreenID) -> [(String, String)] {
        var seen = Set<Command>()
        return applicable(on: screen).filter { $0.inFooter && seen.insert($0.command).inserted }
            .map { ($0.keys.map(\.label).joined(separator: "/"), $0.help) }
    }

    /// What a key does in the run detail view; the reducer dispatches through this table and
    /// the footer and help read it.
    public enum DetailCommand: Sendable { case lineUp, lineDown, pageUp, pageDown, oldest, follow, close }
    public static let detailBindings: [(keys: [Key], command: DetailCommand, help: String)] = [
        ([.up, .char("k")], .lineUp, "log: a line up"),
        ([.down, .char("j")], .lineDown, "a line down"),
        ([.pageUp, .ctrl("u")], .pageUp, "page up"),
        ([.pageDown, .ctrl("d")], .pageDown, "page down"),
        ([.char("g"), .home], .oldest, "oldest line"),
        ([.char("G"), .end], .follow, "follow the end"),
        ([.escape, .char("q"), .backspace], .close, "back to Runs"),
    ]

    /// The keys of each dialog and text field: their footers, the launch form's title and the
    /// help screen come from here, as the screens' come from `bindings`.
    public static func modeKeys(_ mode: Mode) -> [(String, String)] {
        let text = TextInput.bindings.map { ($0.keys.map(\.label).joined(separator: "/"), $0.help) }
        switch mode {
        case .normal: return []
        case .help: return [("j/k", "scroll"), ("any other key", "close")]
        case .search: return [("Enter", "find"), ("Esc", "cancel")] + text
        case .tryOwn: return [("Enter", "decode with the shown runs"), ("Esc", "cancel")] + text
        case .launch: return [("↑/↓", "field"), ("←/→", "choose"), ("Enter", "check and queue"), ("Esc", "cancel")] + text
        case .confirmQuit: return [("y/Enter", "quit"), ("any other key", "stay")]
        case .resumeOffer: return [("y/Enter", "resume them"), ("any other key", "not now")]
        case .diff: return [("any key", "close")]
        case .detail: return detailBindings.map { ($0.keys.map(\.label).joined(separator: "/"), $0.help) }
        case .attention: return [("j/k", "scroll"), ("m", "prefix / source / generated"), ("Esc/q", "back to Compare")]
        case .prefixMeaning: return [("←/→", "layer"), ("j/k", "scroll"), ("Esc/q", "back to Runs")]
        }
    }

    /// The help screen's lines: every binding, grouped by where it applies.
    public static func helpLines() -> [String] {
        var lines = ["Everywhere"]
        func row(_ b: Binding) -> String { "  " + DisplayWidth.fit(b.keys.map(\.label).joined(separator: " "), 14) + b.help }
        lines += bindings.filter { $0.screens == nil }.map(row)
        for s in ScreenID.allCases {
            let own = bindings.filter { $0.screens?.contains(s) == true }
            if own.isEmpty { continue }
            lines.append("")
            lines.append("\(s.rawValue) \(s.title)")
            lines += own.map(row)
        }
        func rows(_ pairs: [(String, String)]) -> [String] { pairs.map { "  " + DisplayWidth.fit($0.0, 14) + $0.1 } }
        lines += ["", "Run detail (Enter on Runs)"] + rows(modeKeys(.detail(run: "", scroll: 0)))
        lines += ["", "Text fields (search, try your own, the launch form)"] + rows(TextInput.bindings.map { ($0.keys.map(\.label).joined(separator: " "), $0.help) })
        lines += ["", "Launch form"] + rows(modeKeys(.launch(LaunchForm(methods: []))))
        return lines
    }
}
