import Foundation

extension Array where Element: Sendable {
    /// `map` over every core, in order: for work of milliseconds per element (scoring outputs
    /// while the workbench loads), not for kernels, which have their own pool.
    public func parallelMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let n = count
        guard n > 1 else { return map(transform) }
        let threads = Swift.min(n, Swift.max(1, ProcessInfo.processInfo.activeProcessorCount))
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: n)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let out = UnsafeSendable(results)
        self.withUnsafeBufferPointer { items in
            let src = UnsafeSendable(items)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                // Interleaved, so slow stretches of the input are shared between threads.
                for i in stride(from: t, to: n, by: threads) { out.value[i] = transform(src.value[i]) }
            }
        }
        return results.map { $0! }
    }
}

/// A buffer shared by threads that write disjoint indices.
private struct UnsafeSendable<B>: @unchecked Sendable {
    let value: B
    init(_ v: B) { value = v }
}
