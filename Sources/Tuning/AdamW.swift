#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernels

/// AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias-corrected moments,
/// eps added to √v̂), plus gradient-norm clipping as torch.nn.utils.clip_grad_norm_.
public struct AdamW: Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0
    /// Optimizer steps taken so far.
    public var step = 0

    public init(weightDecay: Float = 0) { self.weightDecay = weightDecay }

    /// The L2 norm of all active gradients.
    public static func gradNorm(_ p: ParameterSet) -> Double {
        var s = 0.0
        for r in p.active {
            let g = p.grads[r.lowerBound]
            // Float partial sums over blocks, a double total: exact enough for millions of values.
            var i = 0
            while i < r.count {
                let n = min(4096, r.count - i)
                s += Double(dot(g + i, g + i, n))
                i += n
            }
        }
        return s.squareRoot()
    }

    /// The factor clip_grad_norm_ scales gradients by so their norm is at most `maxNorm`.
    public static func clipScale(norm: Double, maxNorm: Double) -> Float {
        Float(min(1, maxNorm / (norm + 1e-6)))
    }

    /// One step; `gradScale` multiplies every gradient first (clipping, fused into this pass:
    /// for fine-tuning these passes over every weight are memory-bound).
    public mutating func update(_ p: ParameterSet, lr: Float, gradScale: Float = 1) {
        step += 1
        let bc1 = 1 - powf(beta1, Float(step))
        let bc2Sqrt = sqrtf(1 - powf(beta2, Float(step)))
        let stepSize = lr / bc1
        let (b1, b2, eps, decay) = (beta1, beta2, eps, 1 - lr * weightDecay)
        for r in p.active {
            let w = p.values[r.lowerBound], g = p.grads[r.lowerBound], m = p.m[r.lowerBound], v = p.v[r.lowerBound]
            // Blocks of contiguous elements, so the inner loop vectorises (a closure call per
            // element does not): this pass is memory-bound over every trainable weight.
            let block = 16384
            parallelFor((r.count + block - 1) / block) { k in
                for i in (k * block)..<min(r.count, (k + 1) * block) {
                    let gi = g[i] * gradScale
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    w[i] = w[i] * decay - stepSize * m[i] / (sqrtf(v[i]) / bc2Sqrt + eps)
                }
            }
        }
    }
}

/// Linear warm-up then linear decay to 0 (transformers' get_linear_schedule_with_warmup).
public struct LinearSchedule: Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
    }

    /// The learning rate of 0-based optimizer step `s`.
    public func lr(at s: Int) -> Float {
        if s < warmupSteps { return peak * Float(s) / Float(max(1, warmupSteps)) }
        return peak * max(0, Float(totalSteps - s) / Float(max(1, totalSteps - warmupSteps)))
    }
}
