import Screen
import Events
import Specs

/// What the workbench is doing with the keyboard: browsing, or typing into a field.
public enum Mode: Equatable, Sendable {
    case normal
    case help(scroll: Int)
    case search(TextInput)
    case launch(LaunchForm)
    case tryOwn(TextInput)
    case confirmQuit
    case resumeOffer([String])
    case diff(String, String)
    /// The run detail view of a run; `scroll` counts log lines up from its end (0: following).
    case detail(run: String, scroll: Int)
    /// The attention view of Compare's example (A): scrolled, showing one share.
    case attention(scroll: Int, part: AttentionPart)
    /// What the selected run's prefix means (P on Runs): a layer, scrolled.
    case prefixMeaning(run: String, layer: Int, scroll: Int)
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
    /// What is being read while the workspace loads (shown in the first frames); nil once loaded.
    public var loading: String? = nil
    public var quitting = false
    public var workspace = ""
    /// The folder the workbench was started in: paths under it are shown relative.
    public var cwd = ""
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
    /// The Runs list shows one experiment group (`v` cycles them); nil: every run.
    public var runsGroup: String? = nil
    /// The loss curve: EMA weight of the smoothed line (0: raw only), log-scale y, and the
    /// last N steps only (nil: all).
    public var smoothing = 0.9
    public var logLoss = false
    public var zoomSteps: Int? = nil
    public static let smoothingWeights = [0.0, 0.6, 0.8, 0.9, 0.95, 0.99]
    public static let zoomChoices = [500, 100, 25]
    public var overlay: Set<String> = []
    public var marked: [String] = []
    /// What the shell last read of the run whose detail view is open.
    public var detail: RunDetail? = nil
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
    /// Lines the selected example's text is scrolled by, for the example `key` names (dataset
    /// and example id): another selection starts at the top.
    public var textScroll = TextScroll()

    // Compare
    public var compare: [CompareExample] = []
    public var compareIndex = 0
    public var compareSort: CompareSort = .order
    public var compareOnlyDisagree = false
    public var compareColumns: [String] = []
    public var tryOwnSource = ""
    public var tryOwnOutputs: [String: String] = [:]
    /// The attention view: its source, the runs it shows (Compare's first two columns), and
    /// what the shell computed for each.
    public var attentionSource = ""
    public var attentionRuns: [String] = []
    public var attention: [AttentionMap] = []
    /// What the shell last computed for the prefix view.
    public var prefixMeaning: PrefixMeaning? = nil

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

    /// The runs the Runs list shows, in its order: every run, or those of `runsGroup`.
    public var runsList: [RunView] { runsGroup.map { g in runs.filter { $0.group == g } } ?? runs }
    public var selectedRunView: RunView? { let l = runsList; return l.indices.contains(selectedRun) ? l[selectedRun] : nil }
    /// A run's colour in overlays: fixed by its place in the workspace, so a run keeps its
    /// colour whatever else is overlaid.
    public func seriesRole(_ id: String) -> Role {
        let palette: [Role] = [.series1, .series2, .series3, .series4, .series5, .series6]
        return palette[(runs.firstIndex { $0.id == id } ?? 0) % palette.count]
    }
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
    /// Check the form's files (model, tokenizer, data, lengths) off the main thread.
    case checkLaunch(LaunchForm)
    /// Read a run's folder for its detail view (and again while it stays open).
    case openDetail(run: String)
    case start(run: String)
    case pause(run: String)
    case resume(run: String)
    case cancel(run: String)
    case generateMissing(runs: [String])
    case decode(source: String, runs: [String])
    /// Decode `source` greedily with each run, recording where its attention goes.
    case inspectAttention(source: String, runs: [String])
    /// Read the vocabulary against a run's virtual rows (nearest tokens, movement).
    case inspectPrefix(run: String)
    case export
    /// Queue every run of the experiment `group` that the workspace does not have yet.
    case runGroup(String)
    case setTheme(String)
    case quit(pauseOwnRuns: Bool)
}

/// How far a long text (an XSUM document in Datasets) is scrolled, and for which example.
public struct TextScroll: Equatable, Sendable {
    public var key = ""
    public var lines = 0
    public init(key: String = "", lines: Int = 0) { self.key = key; self.lines = lines }
}
