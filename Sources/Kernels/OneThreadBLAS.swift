import Foundation

/// BLAS products the engine's threads run side by side, each on one BLAS thread: OpenBLAS's
/// own threads hand off per call, which for a few-MFLOP product (one attention head's) costs
/// about as much as the arithmetic (MatmulAttention's heads: forward 1.8–2.0 against 2.6–3.9 ms,
/// backward 2.6–3.0 against 4.2–6.9 ms at 12 heads × 256 × 266, a session's temporary timing).

/// `body(i)` for i in 0..<n on the engine's threads, each making one-thread BLAS calls; BLAS's
/// thread count is put back after. The bodies must write disjoint memory.
public func parallelBLAS(_ n: Int, _ body: (Int) -> Void) {
    guard EngineThreads.count > 1 && n > 1 && (BLAS.threads > 1 || OneThreadBLAS.held) else { for i in 0..<n { body(i) }; return }
    OneThreadBLAS.enter()
    defer { OneThreadBLAS.leave() }
    parallelFor(n, body)
}

/// BLAS's thread count is one setting for the process: the first of the sections that run at
/// one thread (another thread may be in one: a decode beside a training run) keeps the count
/// it found, and the last to leave puts it back.
enum OneThreadBLAS {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0, restore = 1
    static var held: Bool { lock.withLock { depth > 0 } }
    static func enter() {
        lock.withLock {
            if depth == 0 { restore = BLAS.threads; BLAS.setThreads(1) }
            depth += 1
        }
    }
    static func leave() {
        lock.withLock {
            depth -= 1
            if depth == 0 { BLAS.setThreads(restore) }
        }
    }
}
