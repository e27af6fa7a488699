import Kernels
import Models

/// The trainable parameters of prefix-tuning, infix and embedding-only, and the map from
/// them to what the graph consumes.
///
/// Tensor names follow PEFT's prompt encoder (without `prompt_encoder.default.`):
/// - prefix/infix with MLP: `embedding.weight` (P, C), `transform.0.weight` (mid, C),
///   `transform.0.bias` (mid), `transform.2.weight` (2·L·C, mid), `transform.2.bias` (2·L·C);
///   output (P, 2·L·C) = tanh(E·W0ᵀ + b0)·W2ᵀ + b2.
/// - prefix/infix without: `embedding.weight` (P, 2·L·C), used as is.
/// - embedding-only: `embedding.weight` (P, C), the virtual input embeddings.
public final class PrefixEncoder: @unchecked Sendable {
    public let options: MethodOptions
    public let config: GPT2Config
    public let params: ParameterSet
    /// (P, width): the output (virtual KV rows or embeddings) of the last `forward`.
    public let output: FloatArena
    /// Gradient of the loss with respect to `output`, filled by the graph's backward.
    public let doutput: FloatArena
    let hidden: FloatArena    // (P, mid) tanh activations, MLP only
    let dhidden: FloatArena
    let dembedding: FloatArena

    public var P: Int { options.prefixLength }
    /// Columns of the output: 2·L·C for key/value rows, C for embeddings.
    public var width: Int { options.method.usesVirtualKV ? 2 * config.nLayer * config.nEmbd : config.nEmbd }
    public var usesMLP: Bool { options.method.usesVirtualKV && options.reparam == .mlp }

    public init(options: MethodOptions, config: GPT2Config) {
        precondition(options.method != .finetune)
        self.options = options
        self.config = config
        let P = options.prefixLength, C = config.nEmbd, mid = options.midDim
        let W = options.method.usesVirtualKV ? 2 * config.nLayer * C : C
        if options.method.usesVirtualKV && options.reparam == .mlp {
            params = ParameterSet([("embedding.weight", [P, C]), ("transform.0.weight", [mid, C]), ("transform.0.bias", [mid]),
                                   ("transform.2.weight", [W, mid]), ("transform.2.bias", [W])])
        } else {
            params = ParameterSet([("embedding.weight", [P, W])])
        }
        output = FloatArena(count: P * W)
        doutput = FloatArena(count: P * W)
        hidden = FloatArena(count: options.method.usesVirtualKV && options.reparam == .mlp ? P * mid : 0)
        dhidden = FloatArena(count: hidden.count)
        dembedding = FloatArena(count: options.method.usesVirtualKV && options.reparam == .mlp ? P * C : 0)
    }

    /// Computes `output` from the parameters (a copy when there is no MLP).
    public func forward() {
        let P = self.P, C = config.nEmbd, mid = options.midDim, W = width
        if usesMLP {
            linearForward(out: hidden.base, inp: params.value("embedding.weight"), weight: params.value("transform.0.weight"),
                          bias: params.value("transform.0.bias"), N: P, C: C, OC: mid)
            tanhForward(out: hidden.base, inp: hidden.base, N: P * mid)
            linearForward(out: output.base, inp: hidden.base, weight: params.value("transform.2.weight"),
                          bias: params.value("transform.2.bias"), N: P, C: mid, OC: W)
        } else {
            output.base.update(from: params.value("embedding.weight"), count: P * W)
        }
    }

    /// Accumulates parameter gradients from `doutput` (which the caller zeroes per step).
    public func backward() {
        let P = self.P, C = config.nEmbd, mid = options.midDim, W = width
        if usesMLP {
            linearBackward(dinp: dhidden.base, dweight: params.grad("transform.2.weight"), dbias: params.grad("transform.2.bias"),
                           dout: doutput.base, inp: hidden.base, weight: params.value("transform.2.weight"), N: P, C: mid, OC: W)
            tanhBackward(dinp: dhidden.base, out: hidden.base, dout: dhidden.base, N: P * mid)
            let demb = dembedding.base
            linearBackward(dinp: demb, dweight: params.grad("transform.0.weight"), dbias: params.grad("transform.0.bias"),
                           dout: dhidden.base, inp: params.value("embedding.weight"), weight: params.value("transform.0.weight"),
                           N: P, C: C, OC: mid)
            axpy(1, demb, params.grad("embedding.weight"), P * C)
        } else {
            axpy(1, doutput.base, params.grad("embedding.weight"), P * W)
        }
    }

    /// Initialises like PEFT: embedding N(0, 1); Linear layers U(−1/√in, 1/√in) (torch's default).
    public func randomInit(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for t in params.tensors {
            let p = params.values[t.offset]
            if t.name == "embedding.weight" {
                for i in 0..<t.count { p[i] = rng.nextNormal() }
            } else {
                let fanIn = t.name.hasPrefix("transform.0") ? config.nEmbd : options.midDim
                let bound = 1 / Float(fanIn).squareRoot()
                for i in 0..<t.count { p[i] = (2 * rng.nextUniform() - 1) * bound }
            }
        }
    }
}
