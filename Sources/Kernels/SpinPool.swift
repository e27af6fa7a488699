import CIntrinsics
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The engine's worker threads: `EngineThreads.count − 1` workers that, after a job, spin for
/// a short while before sleeping, so the next kernel call starts on them at once.
///
/// Why not `DispatchQueue.concurrentPerform`: waking its idle worker costs ~44 µs a call here
/// (measured: two 19 µs halves took 63 µs), and one decoding step of GPT-2 small makes ~50
/// parallel kernel calls of ~100–300 µs each, so the wake-ups alone were 15–20% of a step.
/// Why a short spin (100 µs): in training the gaps between this engine's kernels are BLAS
/// calls, whose own threads need the core; a worker spinning through them would steal it.
final class SpinPool: @unchecked Sendable {
    static let shared = SpinPool(workers: max(0, EngineThreads.count - 1))

    let workerCount: Int
    /// Shared words, each on its own cache line: generation, done, busy, then one sleep flag per worker.
    private let words: UnsafeMutablePointer<Int>
    private var generation: UnsafeMutablePointer<Int> { words }
    private var done: UnsafeMutablePointer<Int> { words + 8 }
    private var busy: UnsafeMutablePointer<Int> { words + 16 }
    private func sleeping(_ w: Int) -> UnsafeMutablePointer<Int> { words + 24 + 8 * w }
    private let wakeups: [DispatchSemaphore]
    /// The current job, written by the caller before it publishes a new generation.
    private var body: ((Int) -> Void)?
    private var jobN = 0, jobThreads = 1

    private init(workers: Int) {
        workerCount = workers
        words = .allocate(capacity: 24 + 8 * max(1, workers))
        words.initialize(repeating: 0, count: 24 + 8 * max(1, workers))
        wakeups = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        for w in 0..<workers {
            let pool = UncheckedSendable(self)
            let thread = Thread { pool.value.workerLoop(w) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs body(i) for i in 0..<n in `threads` contiguous chunks, the caller taking chunk 0.
    /// Returns false, having run nothing, when the pool is already running a job (a nested
    /// call, or another thread's): the caller then runs the loop itself.
    func run(_ n: Int, threads: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard workerCount > 0, spin_cas(busy, 0, 1) != 0 else { return false }
        let threads = min(threads, workerCount + 1)
        self.body = body; jobN = n; jobThreads = threads
        spin_store(done, 0)
        spin_store_sc(generation, generation.pointee + 1)
        for w in 0..<workerCount where spin_load_sc(sleeping(w)) == 1 { wakeups[w].signal() }
        chunk(0)
        while spin_load(done) < workerCount { spin_pause() }
        self.body = nil
        spin_store(busy, 0)
        return true
    }

    private func chunk(_ c: Int) {
        guard c < jobThreads, let body else { return }
        let lo = jobN * c / jobThreads, hi = jobN * (c + 1) / jobThreads
        for i in lo..<hi { body(i) }
    }

    private func workerLoop(_ w: Int) {
        var seen = 0  // the generation at creation: a job published before this thread runs is still seen
        while true {
            var spins = 0
            var start = 0.0
            while spin_load(generation) == seen {
                spin_pause()
                spins += 1
                if spins & 255 == 0 {
                    if start == 0 { start = monotonicSeconds() }
                    else if monotonicSeconds() - start > 100e-6 {
                        // Sleep unless a job was published meanwhile (checked after the flag is set,
                        // and `run` checks the flag after publishing: one of the two sees the other).
                        spin_store_sc(sleeping(w), 1)
                        if spin_load_sc(generation) == seen { wakeups[w].wait() }
                        spin_store_sc(sleeping(w), 0)
                        start = 0
                    }
                }
            }
            seen = spin_load(generation)
            chunk(w + 1)
            _ = spin_add(done, 1)
        }
    }
}

@inline(__always)
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
