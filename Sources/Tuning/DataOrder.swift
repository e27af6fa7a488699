import Models
import Support

/// Which examples each optimizer step sees: every epoch a fresh permutation drawn from the
/// seed and the epoch number alone, so step s's examples can be recomputed on resume.
public struct DataOrder: Sendable {
    public let count: Int
    public let seed: UInt64
    public let examplesPerStep: Int

    public init(count: Int, seed: UInt64, examplesPerStep: Int) {
        self.count = count; self.seed = seed; self.examplesPerStep = examplesPerStep
    }

    public var stepsPerEpoch: Int { (count + examplesPerStep - 1) / examplesPerStep }

    public func permutation(epoch: Int) -> [Int] {
        var rng = SplitMix64(seed: seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
        var p = Array(0..<count)
        // Fisher-Yates with our own generator: the same on every platform.
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            p.swapAt(i, j)
        }
        return p
    }

    /// (epoch, example indices) of 0-based step s.
    public func examples(step s: Int) -> (epoch: Int, indices: [Int]) {
        let epoch = s / stepsPerEpoch, k = s % stepsPerEpoch
        let perm = permutation(epoch: epoch)
        let lo = k * examplesPerStep, hi = min(count, lo + examplesPerStep)
        return (epoch, Array(perm[lo..<hi]))
    }
}
