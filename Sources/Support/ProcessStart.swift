import Foundation

/// When this process started, as wall-clock time: on Linux from /proc (its start in clock
/// ticks since boot, against the time since boot), else the first time it is asked. A run
/// uses it to tell a control request left from before it started (stale) from one made while
/// it was starting up.
public enum ProcessStart {
    public static let date: Date = {
        #if os(Linux)
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let uptime = (try? String(contentsOfFile: "/proc/uptime", encoding: .utf8))?.split(separator: " ").first.flatMap({ Double($0) }),
           let close = stat.lastIndex(of: ")") {
            // Fields after the command name (which may hold spaces): state is field 3, starttime 22.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if fields.count > 19, let start = Double(fields[19]), ticks > 0 {
                return Date().addingTimeInterval(-(uptime - start / ticks))
            }
        }
        #endif
        return Date()
    }()
}

/// A process's ancestors from /proc: who started it, and who started that. The run manager
/// owns a run whose lock is held by a grandchild (the torch runner under `prefixlab train`,
/// a torchrun worker).
public enum ProcessTree {
    /// The parent's pid, or nil when the process is gone (or this is not Linux).
    public static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Whether `pid` is one of `roots` or descends from one (within `depth` generations).
    public static func descends(_ pid: Int32, from roots: Set<Int32>, depth: Int = 8) -> Bool {
        var p = pid
        for _ in 0...depth {
            if roots.contains(p) { return true }
            guard let up = parent(of: p), up > 1 else { return false }
            p = up
        }
        return false
    }
}
