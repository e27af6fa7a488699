import Kernels

/// A copy of a model's matrices laid out for decoding a few rows at a time: every linear
/// layer's weight and the tied head in the panel layout of `fewRowsMatmul` (one sequential
/// stream per pass), in float32 or float16. Built from the model's parameters once; a model
/// whose weights change drops it (`GPT2Model.weightsDidChange`).
final class GPT2DecodingWeights: @unchecked Sendable {
    let precision: DecodingPrecision
    /// Byte offsets into `storage` of one layer's c_attn, attn c_proj, c_fc, mlp c_proj.
    struct Layer { let qkv: Int, attproj: Int, fc: Int, fcproj: Int }
    let layers: [Layer]
    let head: Int
    let storage: UnsafeMutableRawPointer

    init(model: GPT2Model, precision: DecodingPrecision) {
        self.precision = precision
        let cfg = model.config, C = cfg.nEmbd, F = cfg.innerDim, V = cfg.vocabSize
        let elem = precision == .f32 ? 4 : 2
        var bytes = 0
        func reserve(_ OC: Int, _ C: Int) -> Int { defer { bytes += (panelCount(OC: OC, C: C) * elem + 63) / 64 * 64 }; return bytes }
        layers = (0..<cfg.nLayer).map { _ in Layer(qkv: reserve(3 * C, C), attproj: reserve(C, C), fc: reserve(F, C), fcproj: reserve(C, F)) }
        head = reserve(V, C)
        storage = .allocate(byteCount: max(bytes, 64), alignment: 64)

        let p = UnsafePointer(model.params.base)
        // Conv1D weights are (C, OC): output j's column has stride OC. The head wte is (V, C).
        func pack(_ src: UnsafePointer<Float>, OC: Int, C: Int, rowStride: Int, colStride: Int, at offset: Int) {
            switch precision {
            case .f32: packPanels(OC: OC, C: C, srcRowStride: rowStride, srcColStride: colStride, src: src, into: (storage + offset).assumingMemoryBound(to: Float.self))
            case .f16: packPanels(OC: OC, C: C, srcRowStride: rowStride, srcColStride: colStride, src: src, into: (storage + offset).assumingMemoryBound(to: UInt16.self))
            }
        }
        for (l, w) in model.layout.layers.enumerated() {
            pack(p + w.qkvw, OC: 3 * C, C: C, rowStride: 1, colStride: 3 * C, at: layers[l].qkv)
            pack(p + w.attprojw, OC: C, C: C, rowStride: 1, colStride: C, at: layers[l].attproj)
            pack(p + w.fcw, OC: F, C: C, rowStride: 1, colStride: F, at: layers[l].fc)
            pack(p + w.fcprojw, OC: C, C: F, rowStride: 1, colStride: C, at: layers[l].fcproj)
        }
        pack(p + model.layout.wte, OC: V, C: C, rowStride: C, colStride: 1, at: head)
    }

    deinit { storage.deallocate() }

    /// out (M, OC) = inp (M, C) · W [+ bias] for the matrix packed at `offset`.
    func matmul(out: Buf, inp: CBuf, at offset: Int, bias: CBuf?, M: Int, C: Int, OC: Int) {
        switch precision {
        case .f32: fewRowsMatmul(out: out, inp: inp, panels: UnsafePointer((storage + offset).assumingMemoryBound(to: Float.self)), bias: bias, M: M, C: C, OC: OC)
        case .f16: fewRowsMatmul(out: out, inp: inp, panels: UnsafePointer((storage + offset).assumingMemoryBound(to: UInt16.self)), bias: bias, M: M, C: C, OC: OC)
        }
    }

    /// logits (M, V) = hidden (M, C) · wteᵀ.
    func logits(out: Buf, hidden: CBuf, M: Int, C: Int, V: Int) {
        matmul(out: out, inp: hidden, at: head, bias: nil, M: M, C: C, OC: V)
    }
}
