import Foundation
import Kernels

/// A GPT-2 language model in float32: the parameters in one arena (see `GPT2Layout`) and an
/// inference forward pass over a batch, through a KV cache.
public final class GPT2Model: @unchecked Sendable {
    public let config: GPT2Config
    public let layout: GPT2Layout
    public let params: FloatArena
    private var buffers: ForwardBuffers
    /// Precision of the weights that decoding a few rows (≤ 8) streams; float16 rounds each
    /// weight once and reads half the bytes.
    public var decodingPrecision: DecodingPrecision = .f32 { didSet { if decodingPrecision != oldValue { decoding = nil } } }
    /// The panel-packed copy of the matrices for few-row decoding, built at the first such step.
    private var decoding: DecodingWeights?
    /// Rows up to which a forward step (and `logits`) uses the packed copy rather than BLAS.
    public static let fewRowLimit = 8

    public init(config: GPT2Config) {
        self.config = config
        layout = GPT2Layout(config)
        params = FloatArena(count: layout.total)
        buffers = ForwardBuffers(config: config)
    }

    public var parameterCount: Int { layout.total }

    /// Must be called after the parameters change (training, loading), so that few-row
    /// decoding does not read a stale packed copy.
    public func weightsDidChange() { decoding = nil }

    private func decodingWeights() -> DecodingWeights {
        if let decoding { return decoding }
        let d = DecodingWeights(model: self, precision: decodingPrecision)
        decoding = d
        return d
    }

    /// Fills the weights with a deterministic pseudo-random draw (benchmarks and tests):
    /// normal(0, std) for matrices, LayerNorm gains 1 and biases 0.
    public func randomize(seed: UInt64, std: Float = 0.02) {
        var rng = SplitMix64(seed: seed)
        for e in layout.entries {
            let p = params[e.offset]
            if e.name.hasSuffix("ln_1.weight") || e.name.hasSuffix("ln_2.weight") || e.name == "ln_f.weight" {
                p.update(repeating: 1, count: e.count)
            } else if e.shape.count == 1 {
                p.update(repeating: 0, count: e.count)
            } else {
                for i in 0..<e.count { p[i] = rng.nextNormal() * std }
            }
        }
    }

    /// Overwrites wpe with the Transformer's sine/cosine table, scaled so each entry has the
    /// given standard deviation: row t, columns 2i and 2i+1 = sin, cos(t / 10000^(2i/C)).
    public func setSinusoidalPositions(std: Float) {
        let C = config.nEmbd, wpe = params[layout.wpe]
        let scale = Double(std) * 2.0.squareRoot()  // sin and cos over many positions have std 1/√2
        for t in 0..<config.nPositions {
            for i in stride(from: 0, to: C, by: 2) {
                let angle = Double(t) / pow(10000, Double(i) / Double(C))
                wpe[t * C + i] = Float(sin(angle) * scale)
                if i + 1 < C { wpe[t * C + i + 1] = Float(cos(angle) * scale) }
            }
        }
    }

    /// Runs T new positions of B sequences through the model, appending them to `cache`.
    ///
    /// tokens, positions: (B, T), row-major; keyMask: (B, T), 0 marks padding that no later
    /// position may attend to (nil: no padding). Returns the final hidden states after ln_f,
    /// (B·T, C), valid until the next call.
    /// `virtualEmbeds` (P, C): a token id -k-1 takes row k as its input embedding (prompt tuning).
    public func forward(tokens: [Int32], positions: [Int32], keyMask: [UInt8]? = nil,
                        B: Int, T: Int, cache: KVCache, virtualEmbeds: UnsafePointer<Float>? = nil) -> UnsafePointer<Float> {
        precondition(tokens.count == B * T && positions.count == B * T && cache.B == B)
        precondition(tokens.allSatisfy { ($0 >= 0 || virtualEmbeds != nil) && Int($0) < config.vocabSize }, "token id out of range")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < config.nPositions }, "position out of range")
        let C = config.nEmbd, F = config.innerDim, NH = config.nHead, N = B * T
        let past = cache.length
        let buf = buffers
        let p = params.base
        let few = N <= GPT2Model.fewRowLimit ? decodingWeights() : nil
        func linear(_ out: Buf, _ inp: CBuf, _ w: Int, _ packed: Int?, _ b: Int, _ C: Int, _ OC: Int) {
            if let few, let packed { few.matmul(out: out, inp: inp, at: packed, bias: p + b, M: N, C: C, OC: OC) }
            else { matmulForward(out: out, inp: inp, weight: p + w, bias: p + b, BT: N, C: C, OC: OC) }
        }
        buf.ensure(rows: N, attention: B * NH * T * (past + T))
        tokens.withUnsafeBufferPointer { tok in
            positions.withUnsafeBufferPointer { pos in
                if let virtualEmbeds {
                    encoderForwardVirtual(out: buf.residual, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                          wte: p + layout.wte, wpe: p + layout.wpe, embeds: virtualEmbeds, N: N, C: C)
                } else {
                    encoderForward(out: buf.residual, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                   wte: p + layout.wte, wpe: p + layout.wpe, N: N, C: C)
                }
            }
        }
        if let keyMask { keyMask.withUnsafeBufferPointer { cache.append(T: T, keyMask: $0.baseAddress) } }
        else { cache.append(T: T, keyMask: nil) }

        for l in 0..<config.nLayer {
            let w = layout.layers[l]
            layernormForward(out: buf.ln, mean: nil, rstd: nil, inp: buf.residual,
                             weight: p + w.ln1w, bias: p + w.ln1b, N: N, C: C, eps: config.layerNormEpsilon)
            let packed = few?.layers[l]
            linear(buf.qkv, buf.ln, w.qkvw, packed?.qkv, w.qkvb, C, 3 * C)
            let kc = cache.keys(layer: l), vc = cache.values(layer: l)
            for b in 0..<B {
                for t in 0..<T {
                    let row = buf.qkv + (b * T + t) * 3 * C
                    (kc + (b * cache.capacity + past + t) * C).update(from: row + C, count: C)
                    (vc + (b * cache.capacity + past + t) * C).update(from: row + 2 * C, count: C)
                }
            }
            attentionForward(out: buf.atty, att: buf.att, q: buf.qkv, qStride: 3 * C,
                             keys: kc, values: vc, kvBatchStride: cache.capacity * C,
                             mask: cache.mask, maskStride: cache.capacity,
                             B: B, T: T, past: past, C: C, NH: NH)
            linear(buf.ln, buf.atty, w.attprojw, packed?.attproj, w.attprojb, C, C)
            residualForward(out: buf.residual, a: buf.residual, b: buf.ln, N: N * C)
            layernormForward(out: buf.ln, mean: nil, rstd: nil, inp: buf.residual,
                             weight: p + w.ln2w, bias: p + w.ln2b, N: N, C: C, eps: config.layerNormEpsilon)
            linear(buf.fch, buf.ln, w.fcw, packed?.fc, w.fcb, C, F)
            geluForward(out: buf.fch, inp: buf.fch, N: N * F)
            linear(buf.ln, buf.fch, w.fcprojw, packed?.fcproj, w.fcprojb, F, C)
            residualForward(out: buf.residual, a: buf.residual, b: buf.ln, N: N * C)
        }
        cache.advance(by: T)
        layernormForward(out: buf.ln, mean: nil, rstd: nil, inp: buf.residual,
                         weight: p + layout.lnfw, bias: p + layout.lnfb, N: N, C: C, eps: config.layerNormEpsilon)
        return UnsafePointer(buf.ln)
    }

    /// logits (N, V) = hidden (N, C) · wteᵀ — the tied language-model head.
    public func logits(hidden: UnsafePointer<Float>, N: Int, into out: UnsafeMutablePointer<Float>) {
        let C = config.nEmbd, V = config.vocabSize
        if N <= GPT2Model.fewRowLimit {
            decodingWeights().logits(out: out, hidden: hidden, M: N, C: C, V: V)
            return
        }
        BLAS.sgemm(transA: false, transB: true, M: N, N: V, K: C,
                   A: hidden, lda: C, B: params[layout.wte], ldb: C, beta: 0, C: out, ldc: V)
    }
}

/// Activation buffers of the inference forward pass, grown on demand and reused.
final class ForwardBuffers {
    let C: Int, F: Int
    private(set) var rows = 0
    private(set) var attCount = 0
    var residual: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var ln: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var qkv: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var atty: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var fch: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var att: UnsafeMutablePointer<Float> = .allocate(capacity: 1)

    init(config: GPT2Config) { C = config.nEmbd; F = config.innerDim }

    func ensure(rows n: Int, attention a: Int) {
        if n > rows {
            for p in [residual, ln, qkv, atty, fch] { p.deallocate() }
            residual = .allocate(capacity: n * C)
            ln = .allocate(capacity: n * C)
            qkv = .allocate(capacity: n * 3 * C)
            atty = .allocate(capacity: n * C)
            fch = .allocate(capacity: n * F)
            rows = n
        }
        if a > attCount {
            att.deallocate()
            att = .allocate(capacity: a)
            attCount = a
        }
    }

    deinit { for p in [residual, ln, qkv, atty, fch, att] { p.deallocate() } }
}
