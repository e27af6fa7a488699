import XCTest
import Dispatch
import Kernels

/// The engine's own split of a product across its threads (one-thread BLAS calls on column
/// blocks) gives BLAS's own product: every transpose case, N not a multiple of the blocks,
/// beta accumulating, and the BLAS thread count put back.
final class SplitSgemmTests: XCTestCase {
    func testColumnBlocksGiveTheWholeProduct() {
        let saved = (EngineThreads.count, BLAS.threads)
        defer { EngineThreads.count = saved.0; BLAS.setThreads(saved.1) }
        EngineThreads.count = 2
        BLAS.setThreads(2)
        let M = 5, N = 203, K = 37
        func values(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float(($0 * 7919 + seed * 104_729) % 997) / 997 - 0.5 } }
        for transA in [false, true] {
            for transB in [false, true] {
                let A = values(M * K, 1), B = values(K * N, 2), start = values(M * N, 3)
                let lda = transA ? M : K, ldb = transB ? K : N
                var want = start, have = start
                BLAS.sgemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5, A: A, lda: lda, B: B, ldb: ldb, beta: 1, C: &want, ldc: N)
                sgemmSplitColumns(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5, A: A, lda: lda, B: B, ldb: ldb, beta: 1, C: &have, ldc: N)
                let worst = zip(want, have).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, 1e-5, "transA \(transA) transB \(transB)")
                XCTAssertNotEqual(have, start)
                XCTAssertEqual(BLAS.threads, 2, "BLAS's thread count is put back")
            }
        }
    }

    /// Two threads in one-thread sections at once (a decode beside a training run): BLAS's count
    /// is the one found before the first, once the last leaves.
    func testOverlappingSectionsPutTheThreadCountBack() {
        let saved = (EngineThreads.count, BLAS.threads)
        defer { EngineThreads.count = saved.0; BLAS.setThreads(saved.1) }
        EngineThreads.count = 2
        BLAS.setThreads(2)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<50 { parallelBLAS(4) { _ in XCTAssertEqual(BLAS.threads, 1) } }
        }
        XCTAssertEqual(BLAS.threads, 2)
    }
}
