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
    case tryOwnOutput(run: String, output: String)
    case message(String)
    case offerResume([String])
    /// Ctrl-C or SIGTERM: quit now, checkpointing and pausing this workbench's runs.
    case interrupt
}
