#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Seconds on the monotonic clock: for durations (step times, spin windows), never for dates.
public enum MonotonicClock {
    @inline(__always)
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
