import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A detached tmux session running a command on its own server socket, for end-to-end tests
/// of the workbench as a user sees it: type with `send`, read the screen with `capture`, and
/// wait for what should appear with `waitFor` (polling, never a fixed sleep).
public final class TmuxSession {
    public let name: String
    static let socket = "prefixlab-tests"

    public static var available: Bool {
        (try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tmux", "-V"]).status) == 0
    }

    /// Starts `command` in a width × height session; when the command ends the pane shows
    /// "EXITED <status>" and stays open for inspection.
    public init(command: String, width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        name = "t" + String(UUID().uuidString.prefix(8))
        let env = (["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"].merging(environment) { $1 }).map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let shell = "export \(env); \(command); echo EXITED $?; sleep 120"
        // Started through system(3), not Process: the tmux server outlives the client, and
        // Foundation's Process waits on it (or on the pipes it inherits). setsid gives the
        // server its own session, out of reach of the test's process group.
        let args = ["setsid", "-f", "tmux", "-L", TmuxSession.socket, "-f", "/dev/null", "new-session", "-d", "-s", name,
                    "-x", String(width), "-y", String(height), shell]
        let status = system(args.map(TmuxSession.quote).joined(separator: " ") + " </dev/null >/dev/null 2>&1")
        guard status == 0 else { throw TmuxError("tmux new-session failed (status \(status))") }
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    deinit { _ = try? tmux(["kill-session", "-t", name]) }

    @discardableResult
    func tmux(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["tmux", "-L", TmuxSession.socket, "-f", "/dev/null"] + args)
    }

    public func capture() -> String { (try? tmux(["capture-pane", "-p", "-t", name]).out) ?? "" }

    /// Sends keys by tmux name (Enter, Escape, Down, C-c) or literal text with `literal: true`.
    public func send(_ keys: String..., literal: Bool = false) {
        _ = try? tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    public func resize(width: Int, height: Int) {
        _ = try? tmux(["resize-window", "-t", name, "-x", String(width), "-y", String(height)])
    }

    /// Polls the screen until `predicate` holds; returns the screen, or nil after `timeout`.
    public func waitFor(_ timeout: Double = 10, _ predicate: (String) -> Bool) -> String? {
        let end = Date().addingTimeInterval(timeout)
        repeat {
            let screen = capture()
            if predicate(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < end
        return nil
    }
}

public struct TmuxError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
