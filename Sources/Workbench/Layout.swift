import Screen

/// Positions that both rendering and mouse hit-testing need.
public enum Layout {
    /// The tab bar's screen names and their column ranges on row 0.
    public static func tabs(_ s: AppState) -> [(ScreenID, Range<Int>)] {
        var x = 11  // after " PrefixLab "
        return ScreenID.allCases.map { id in
            let label = tabLabel(id, active: id == s.screen)
            defer { x += DisplayWidth.of(label) + 1 }
            return (id, x..<(x + DisplayWidth.of(label)))
        }
    }

    static func tabLabel(_ id: ScreenID, active: Bool) -> String {
        active ? "[\(id.rawValue) \(id.title)]" : " \(id.rawValue) \(id.title) "
    }

    /// The pane between the tab bar and the footer.
    static func body(_ s: AppState) -> Rect { Rect(x: 0, y: 1, width: s.width, height: s.height - 2) }

    /// Runs screen: the first table row's y (box top, header row, then rows).
    public static let runsTableTop = 3
    public static func runsTableRows(_ s: AppState) -> Int { min(max(1, s.runs.count), max(3, (s.height - 4) / 2 - 2)) }

    /// Datasets screen: the first example row's y and how many rows show.
    public static let examplesTop = 7
    public static func exampleRows(_ s: AppState) -> Int { max(1, s.height - 9) }
}

func tableOffset(selected: Int, count: Int, visible: Int) -> Int {
    Table.scrollOffset(selected: selected, count: count, visible: visible)
}
