import Screen
/// The workbench's five screens, in tab order; the number is the key that opens it.
public enum ScreenID: Int, CaseIterable, Sendable {
    case datasets = 1, runs, compare, ablation, events

    public var title: String {
        switch self {
        case .datasets: return "Datasets"
        case .runs: return "Runs"
        case .compare: return "Compare"
        case .ablation: return "Ablation"
        case .events: return "Events"
        }
    }

    public var next: ScreenID { ScreenID(rawValue: rawValue % 5 + 1)! }
    public var previous: ScreenID { ScreenID(rawValue: (rawValue + 3) % 5 + 1)! }
}
