import Dispatch

/// How many threads the engine's own loops use (BLAS has its own setting; see `BLAS.setThreads`).
public enum EngineThreads {
    nonisolated(unsafe) public static var count: Int = max(1, Int(sysconfThreads()))

    private static func sysconfThreads() -> Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return ProcessInfo.processInfo.activeProcessorCount
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Runs `body(i)` for i in 0..<n, split into contiguous chunks over the engine's threads.
/// Only the outer loop of a kernel is parallelised; `body` must write disjoint memory.
@inline(__always)
public func parallelFor(_ n: Int, minChunk: Int = 1, _ body: (Int) -> Void) {
    let threads = min(EngineThreads.count, max(1, n / max(1, minChunk)))
    if threads <= 1 || n <= 1 {
        for i in 0..<n { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        // The pool returns before `body` goes out of scope, so it never outlives this call.
        if SpinPool.shared.run(n, threads: threads, body) { return }
        // The chunks write disjoint memory (the caller's contract), so sharing is safe.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: threads) { chunk in
            let lo = n * chunk / threads, hi = n * (chunk + 1) / threads
            for i in lo..<hi { shared.value(i) }
        }
    }
}

/// Carries a value across threads where the caller guarantees the accesses do not race.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
