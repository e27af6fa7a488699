import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How much memory this process may use: the machine's physical memory, or a cgroup's limit
/// when one is lower (a container, a CI runner).
public enum MachineMemory {
    public static var bytes: Double {
        var total = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                total = min(total, limit)
            }
        }
        return total
    }

    /// "1.5 GiB".
    public static func text(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }
}
