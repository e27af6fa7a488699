#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS's idle worker threads spin (sched_yield) for ~2²⁸ cycles after every GEMM and
/// compete with the engine's own threads on a 2-core machine: measured, a prefix-tuning step
/// runs 18% faster with OPENBLAS_THREAD_TIMEOUT=4 (sleep almost at once). OpenBLAS reads the
/// variable in its load-time constructor, before main runs, so the only way to set it from
/// the program is to re-execute itself once with it set. A value the user set is respected.
enum BLASEnvironment {
    static func ensureThreadTimeout() {
        #if os(Linux)
        guard getenv("OPENBLAS_THREAD_TIMEOUT") == nil else { return }
        setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        // The real path, not /proc/self/exe: the kernel names a process after the file it
        // executes, and top, htop and ps would show "exe".
        var path = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &path, path.count - 1)
        execv(n > 0 ? path : Array("/proc/self/exe".utf8CString), &argv)
        // exec failed (no /proc): run on with OpenBLAS's default.
        #endif
    }
}
