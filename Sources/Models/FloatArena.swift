/// One zero-initialised, 64-byte-aligned allocation of Float32 values that a layout carves
/// into tensors. Parameters, gradients and optimizer moments each get one.
public final class FloatArena: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(1, count))
        base.initialize(repeating: 0, count: max(1, count))
    }

    deinit { base.deallocate() }

    public subscript(offset: Int) -> UnsafeMutablePointer<Float> { base + offset }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
    public func zero() { base.update(repeating: 0, count: count) }
}
