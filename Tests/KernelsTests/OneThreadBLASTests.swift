import XCTest
import Dispatch
import Kernels

final class OneThreadBLASTests: XCTestCase {
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
