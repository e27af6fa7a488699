import Screen
import Events
import Specs

/// Everything that can happen to the workbench: keys, bus events, and what the shell loaded.
public enum Action: Sendable {
    case key(Key)
    case event(RunEvent)
    case resize(width: Int, height: Int)
    /// A run's run.json / metrics.json as loaded from disk (config, group, metrics, sizes).
    case runInfo(RunView)
    case datasets([DatasetView])
    case compare([CompareExample])
    case jobs([String])
    /// A run's folder as the detail view shows it.
    case detail(RunDetail)
    case tryOwnOutput(run: String, output: String)
    case attention(AttentionMap)
    case prefixMeaning(PrefixMeaning)
    case message(String)
    case offerResume([String])
    /// What the shell's check of a launch form's files found, by field key (empty: queue it).
    case launchChecked([String: String])
    /// The workspace is being read (a progress line), before its first runs are shown.
    case loading(String)
    /// The experiment group and model to show, read first (the group's keys work at once).
    case context(group: String, model: String)
    /// Everything is read: the runs that were paused, interrupted or queued when the workbench
    /// opened (not those queued since) are offered for resuming.
    case loaded(resumable: [String])
    /// Ctrl-C or SIGTERM: quit now, checkpointing and pausing this workbench's runs.
    case interrupt
}
