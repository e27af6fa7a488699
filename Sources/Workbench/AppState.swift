import Screen
import Events
import Specs

/// What the workbench is doing with the keyboard: browsing, or typing into a field.
public enum Mode: Equatable, Sendable {
    case normal
    case help(scroll: Int)
    case search(String)
    case launch(LaunchForm)
    case tryOwn(String)
    case confirmQuit
    case resumeOffer([String])
    case diff(String, String)
}

/// A line of the Events screen.
public struct EventLine: Equatable, Sendable {
    public var time: String, run: String, type: String, text: String, isError: Bool
}

/// The whole state of the workbench. `reduce` is the only function that changes it; panes
/// render from it alone.
public struct AppState: Sendable {
    public var screen: ScreenID = .runs
    public var width = 80, height = 24
    public var ascii = false
    public var theme = "default"
    public var themes: [String] = ["default"]
    public var mode: Mode = .normal
    public var message: String? = nil
    public var quitting = false
    public var workspace = ""
    public var groupName = ""
    public var modelName = ""
    /// Set when the store is held by another workbench: no run can be launched from here.
    public var readOnly = false
    /// The tuning methods the engine offers (names, labels, options): what the launch form and
    /// the Ablation chart know of methods.
    public var methods: [MethodDescriptor] = []

    // Runs
    public var runs: [RunView] = []
    public var selectedRun = 0
    public var overlay: Set<String> = []
    public var marked: [String] = []
    public var jobs: [String] = []  // background jobs shown in the header (generation, decoding)

    // Events
    public var events: [EventLine] = []
    public var eventScroll = 0
    public var eventErrorsOnly = false
    public static let eventCapacity = 5000

    // Datasets
    public var datasets: [DatasetView] = []
    public var datasetIndex = 0
    public var exampleIndex = 0
    public var searchQuery = ""
    public var categoryFilter: String? = nil

    // Compare
    public var compare: [CompareExample] = []
    public var compareIndex = 0
    public var compareSort: CompareSort = .order
    public var compareOnlyDisagree = false
    public var compareColumns: [String] = []
    public var tryOwnSource = ""
    public var tryOwnOutputs: [String: String] = [:]

    // Ablation
    public var ablationSort = 0
    public var ablationRow = 0
    public var ablationMetric = "BLEU"

    public init() {}

    /// The ablation groups of the workspace's runs, in first-appearance order.
    public var groups: [String] {
        var seen: [String] = []
        for r in runs { if let g = r.group, !seen.contains(g) { seen.append(g) } }
        return seen
    }

    /// The runs of the current group (all runs when the group is unset or has none).
    public var groupRuns: [RunView] {
        let g = runs.filter { $0.group == groupName }
        return groupName.isEmpty || g.isEmpty ? runs : g
    }

    public var selectedRunView: RunView? { runs.indices.contains(selectedRun) ? runs[selectedRun] : nil }
    public var tooSmall: Bool { width < 80 || height < 24 }
    public var activeRuns: [RunView] { runs.filter { $0.isActive && !$0.external } }

    public mutating func upsertRun(_ id: String) -> Int {
        if let i = runs.firstIndex(where: { $0.id == id }) { return i }
        runs.append(RunView(id: id))
        return runs.count - 1
    }
}

public enum CompareSort: String, CaseIterable, Sendable {
    case order, disagreement, worst
}

/// Things the reducer asks the shell to do: launching processes, writing files, decoding.
public enum Effect: Equatable, Sendable {
    case launch(LaunchForm)
    case start(run: String)
    case pause(run: String)
    case resume(run: String)
    case cancel(run: String)
    case generateMissing(runs: [String])
    case decode(source: String, runs: [String])
    case export
    /// Queue every run of the experiment `group` that the workspace does not have yet.
    case runGroup(String)
    case setTheme(String)
    case quit(pauseOwnRuns: Bool)
}
