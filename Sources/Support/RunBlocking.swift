import Foundation

/// Runs async work from synchronous code (a command, the workbench's set-up) and waits for it,
/// on a detached task so the caller's thread is never one of the cooperative pool's.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached { box.value = await body(); done.signal() }
    done.wait()
    return box.value!
}

/// A value handed between threads that synchronise by other means (a semaphore, a join).
public final class ResultBox<T>: @unchecked Sendable {
    public var value: T?
    public init() {}
}
