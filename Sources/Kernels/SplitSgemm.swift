import Foundation

/// BLAS products the engine's threads split themselves. OpenBLAS's own threads hand off per
/// call and split the rows: a few-MFLOP product (one attention head's) costs about as much in
/// hand-off as in arithmetic, and 64 label rows against BART's 50,265 columns leave each
/// thread 32 rows, too few for its kernel's panels.

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

/// `BLAS.sgemm` with op(B)'s and C's columns split across the engine's threads (`parallelBLAS`),
/// in blocks of a multiple of 16 columns: for few rows against many columns.
public func sgemmSplitColumns(transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
                              B: UnsafePointer<Float>, ldb: Int, beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int) {
    let parts = max(1, min(EngineThreads.count, N / 64))
    let block = ((N + parts - 1) / parts + 15) / 16 * 16
    parallelBLAS(parts) { j in
        let lo = j * block, hi = min(N, lo + block)
        guard lo < hi else { return }
        // op(B)'s columns lo..<hi: rows of B when it is transposed, columns otherwise.
        BLAS.sgemm(transA: transA, transB: transB, M: M, N: hi - lo, K: K, alpha: alpha, A: A, lda: lda,
                   B: transB ? B + lo * ldb : B + lo, ldb: ldb, beta: beta, C: C + lo, ldc: ldc)
    }
}
