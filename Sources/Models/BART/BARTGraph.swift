#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernels

/// A batch laid out by `BARTBatching` for the training pass: B documents right-padded to S
/// encoder rows, B decoder inputs right-padded to T rows, the scored rows (every label token)
/// with their ids and loss weights, and the prefix rows of each attention kind (0: none).
public struct BARTBatch: TrainingBatch {
    public let B: Int, S: Int, T: Int
    public var encoderPrefix = 0, decoderPrefix = 0, crossPrefix = 0
    /// The decoder's first position (PEFT's seq2seq prefix: P; otherwise 0).
    public var decoderFirstPosition = 0
    /// Virtual input embeddings in the first rows of every document (prompt tuning); S counts them.
    public var encoderVirtual = 0
    public let encoderTokens: [Int32]   // (B, S), <pad> after each document
    public let encoderMask: [UInt8]     // (B, S)
    public let decoderTokens: [Int32]   // (B, T)
    public let targetRows: [Int32]      // rows b·T + i of the decoder that predict a label
    public let targetIds: [Int32]
    public let targetWeights: [Float]
    public var targetCount: Int { targetRows.count }
}

/// The sequence contract (the lm-score one): encoder input [<s>] + source + [</s>]; labels
/// [<s>] + target + [</s>]; decoder input [decoder_start] + labels[:-1]; every label scored.
/// A prefix's rows (the original code's) take no positions: the tokens keep 0, 1, ...
public enum BARTBatching {
    public static func build(_ examples: [TokenizedExample], weights: [Float], config c: BARTConfig, layout: VirtualLayout = .none) -> BARTBatch {
        precondition(!examples.isEmpty && weights.count == examples.count)
        let bos = Int32(c.bosTokenId), eos = Int32(c.eosTokenId), pad = Int32(c.padTokenId)
        // Virtual input embeddings' rows hold <pad> as a placeholder (the graph reads their rows instead).
        let Pv = layout.leadingEmbeddings
        let enc = examples.map { [Int32](repeating: pad, count: Pv) + [bos] + $0.source + [eos] }
        let labels = examples.map { [bos] + $0.target + [eos] }
        let B = examples.count, S = enc.map(\.count).max()!, T = labels.map(\.count).max()!
        var et = [Int32](repeating: pad, count: B * S), em = [UInt8](repeating: 0, count: B * S)
        var dt = [Int32](repeating: pad, count: B * T)
        var rows: [Int32] = [], ids: [Int32] = [], ws: [Float] = []
        for b in 0..<B {
            for (i, t) in enc[b].enumerated() { et[b * S + i] = t; em[b * S + i] = 1 }
            let dec = [Int32(c.decoderStartTokenId)] + labels[b].dropLast()
            for (i, t) in dec.enumerated() { dt[b * T + i] = t }
            for (i, y) in labels[b].enumerated() { rows.append(Int32(b * T + i)); ids.append(y); ws.append(weights[b]) }
        }
        var batch = BARTBatch(B: B, S: S, T: T, encoderTokens: et, encoderMask: em, decoderTokens: dt, targetRows: rows, targetIds: ids, targetWeights: ws)
        let P = layout.keyValueRows
        if layout.attentions.contains(.encoder) { batch.encoderPrefix = P }
        if layout.attentions.contains(.decoder) { batch.decoderPrefix = P }
        if layout.attentions.contains(.cross) { batch.crossPrefix = P }
        if layout.decoderRowsTakePositions { batch.decoderFirstPosition = batch.decoderPrefix }
        batch.encoderVirtual = Pv
        return batch
    }
}

/// BART's training pass: the encoder and decoder forward with every activation the backward
/// needs kept (llm.c's shape: each sub-layer's input, its LayerNorm statistics, the attention
/// probabilities), the tied head with `final_logits_bias` and the cross-entropy on the label
/// rows (`headRows` at a time, its backward fused in when one follows), and the backward into the weights' gradients where `TrainableWeights` asks (groups:
/// embeddings; block(l) for encoder layer l and block(encoderLayers + l) for decoder layer l;
/// `final_logits_bias` is a buffer in transformers and never trains). The encoder's gradient
/// collects every decoder layer's cross-attention keys and values.
///
/// Prefixes (the original code's three kinds): each attention's keys and values are a store of
/// P prefix rows then the tokens' own, per sequence; the prefix rows are never masked and take
/// no positions, and their gradients (summed over the batch) go to the conditioning's buffers.
/// Nothing below what needs a gradient is walked back: a decoder-side prefix alone never runs
/// the encoder's backward. Dropout: `BARTDropout`'s sites, with `--dropout`'s rate. LoRA
/// (`BARTLoRA`): the update at each target linear layer, A and B's gradients, and its share of
/// the inputs' gradients; the encoder's backward runs only when one of its layers has a target.
/// Adapters (`BARTAdapters`): where their placement puts them, each block's activations kept.
public final class BARTGraph: TrainingGraph {
    public let model: BARTModel
    public let maxB: Int, maxS: Int, maxT: Int, maxP: Int

    /// One stack's layer activations; `k`, `v` (and `ck`, `cv`) are stores of P + n rows per
    /// sequence; `cross*` only in the decoder's. With frozen weights, what only a weight
    /// gradient reads (each linear layer's input: `atty`, `atty2`, `a1`, `a2`, `g`), the layer's
    /// output (the next layer's input: only weight gradients read it again; `ownOutput` keeps
    /// the encoder's last, the decoder's memory) and the attention probabilities (the backward
    /// computes them again, a document at a time: `attend`) are buffers shared by every layer
    /// (`shared`): a prefix run keeps per layer only what its backward reads.
    final class Layer {
        let q, k, v, att, atty, r1, a1, m1, s1: Buf
        let q2, ck, cv, att2, atty2, r2, a2, m2, s2: Buf?
        let fc, g, rf, out, mf, sf: Buf
        /// Floats this layer allocated (what `shared` holds is not counted).
        let floats: Int
        private var owned: [Buf] = []
        init(rows N: Int, store: Int, C: Int, F: Int, att A: Int, cross: (store: Int, att: Int)?, shared: Shared?, ownOutput: Bool = false) {
            var mine: [Buf] = [], n = 0
            func a(_ k: Int) -> Buf { let p = Buf.allocate(capacity: max(1, k)); p.initialize(repeating: 0, count: max(1, k)); mine.append(p); n += k; return p }
            q = a(N * C); k = a(store * C); v = a(store * C); att = shared?.att ?? a(A); r1 = a(N * C); m1 = a(N); s1 = a(N)
            atty = shared?.atty ?? a(N * C); a1 = shared?.a1 ?? a(N * C)
            if let x = cross {
                q2 = a(N * C); ck = a(x.store * C); cv = a(x.store * C); att2 = shared?.att ?? a(x.att); r2 = a(N * C); m2 = a(N); s2 = a(N)
                atty2 = shared?.atty ?? a(N * C); a2 = shared?.a2 ?? a(N * C)
            } else { q2 = nil; ck = nil; cv = nil; att2 = nil; atty2 = nil; r2 = nil; a2 = nil; m2 = nil; s2 = nil }
            fc = a(N * F); g = shared?.g ?? a(N * F); rf = a(N * C); out = ownOutput ? a(N * C) : shared?.out ?? a(N * C); mf = a(N); sf = a(N)
            owned = mine
            floats = n
        }
        deinit { for p in owned { p.deallocate() } }
    }

    /// The buffers frozen-weight layers share: rows for the larger stack, `att` one document's
    /// probabilities of the largest attention. The backward reads `atty`, `a1`, `a2`, `g` and
    /// `out` only where a weight's gradient would (none, frozen), so they double as its
    /// gradient buffers: `datty`, `dA`, `dB`, `dfc`, `dq`.
    final class Shared {
        let atty, a1, a2, g, out, att: Buf
        let floats: Int
        init(rows N: Int, C: Int, F: Int, att A: Int) {
            func a(_ n: Int) -> Buf { let p = Buf.allocate(capacity: max(1, n)); p.initialize(repeating: 0, count: max(1, n)); return p }
            atty = a(N * C); a1 = a(N * C); a2 = a(N * C); g = a(N * F); out = a(N * C); att = a(A)
            floats = 4 * N * C + N * F + A
        }
        deinit { for p in [atty, a1, a2, g, out, att] { p.deallocate() } }
    }

    /// Where one attention kind's prefix rows are: (P, W) with layer l's key at column 2l·C.
    struct PrefixRows {
        let P: Int
        let values: CBuf?
        let grads: Buf?
        let width: Int
        static var none: PrefixRows { PrefixRows(P: 0, values: nil, grads: nil, width: 0) }
        func key(_ l: Int, C: Int) -> CBuf? { values.map { $0 + 2 * l * C } }
        func value(_ l: Int, C: Int) -> CBuf? { values.map { $0 + (2 * l + 1) * C } }
        func keyGrad(_ l: Int, C: Int) -> Buf? { grads.map { $0 + 2 * l * C } }
        func valueGrad(_ l: Int, C: Int) -> Buf? { grads.map { $0 + (2 * l + 1) * C } }
    }

    /// Every activation and gradient buffer, for batches up to B documents of S encoder rows,
    /// T decoder rows and P prefix rows: allocated for the first batch and grown when a larger
    /// one comes, the encoder's and the decoder's sizes apart (a document of 512 tokens and a
    /// summary of 60 get buffers of those sizes, not both of 512).
    final class Storage {
        let B: Int, S: Int, T: Int, P: Int, frozen: Bool
        let encoder: [Layer], decoder: [Layer], shared: Shared?
        let encIn, encEmb, encM, encS, decIn, decEmb, decM, decS: Buf
        let gathered, logits, headLSE, losses: Buf
        let dxE, dxD, dEnc, dA, dB, dq, dk, dv, datty, dfc, scratch, dgathered: Buf
        let lora: BARTLoRA?
        let adapters: BARTAdapters?
        let bytes: Int
        private var owned: [Buf] = []

        /// A site's input rows: the encoder's for its layers and the cross-attention's keys and values.
        static func loraRows(_ c: BARTConfig, B: Int, S: Int, T: Int) -> (Int, LinearSite) -> Int {
            { l, site in l < c.encoderLayers || site.module == "encoder_attn.k_proj" || site.module == "encoder_attn.v_proj" ? B * S : B * T }
        }

        init(_ c: BARTConfig, B: Int, S: Int, T: Int, P: Int, frozen: Bool, lora shape: LoRAShape?, adapters adapterShape: AdapterShape?) {
            self.B = B; self.S = S; self.T = T; self.P = P; self.frozen = frozen
            let C = c.dModel, Ne = B * S, Nd = B * T, Se = S + P, Td = T + P, F = max(c.encoderFFN, c.decoderFFN), R = max(Ne, Nd)
            var mine: [Buf] = [], floats = 0
            func a(_ n: Int) -> Buf {
                let p = Buf.allocate(capacity: max(1, n)); p.initialize(repeating: 0, count: max(1, n)); mine.append(p); floats += n; return p
            }
            // One document's probabilities of the largest attention (and its score gradients).
            let documentAttention = max(c.encoderHeads * S * Se, c.decoderHeads * T * max(Td, Se))
            let sh = frozen ? Shared(rows: R, C: C, F: F, att: documentAttention) : nil
            shared = sh
            encoder = (0..<c.encoderLayers).map { l in
                Layer(rows: Ne, store: B * Se, C: C, F: c.encoderFFN, att: B * c.encoderHeads * S * Se, cross: nil, shared: sh, ownOutput: l == c.encoderLayers - 1)
            }
            decoder = (0..<c.decoderLayers).map { _ in
                Layer(rows: Nd, store: B * Td, C: C, F: c.decoderFFN, att: B * c.decoderHeads * T * Td, cross: (B * Se, B * c.decoderHeads * T * Se), shared: sh)
            }
            encIn = a(Ne * C); encEmb = a(Ne * C); encM = a(Ne); encS = a(Ne)
            decIn = a(Nd * C); decEmb = a(Nd * C); decM = a(Nd); decS = a(Nd)
            gathered = a(Nd * C); logits = a(min(Nd, BARTGraph.headRows) * c.vocabSize); headLSE = a(BARTGraph.headRows); losses = a(Nd); dgathered = a(Nd * C)
            let store = B * max(Se, Td)
            dxE = a(Ne * C); dxD = a(Nd * C); dEnc = a(Ne * C); dA = sh?.a1 ?? a(R * C); dB = sh?.a2 ?? a(R * C)
            dq = sh?.out ?? a(R * C); dk = a(store * C); dv = a(store * C); datty = sh?.atty ?? a(R * C); dfc = sh?.g ?? a(R * F)
            scratch = a(documentAttention)  // one document's (T, Tk) score gradient of every head
            owned = mine
            let rows = Storage.loraRows(c, B: B, S: S, T: T)
            lora = shape.map { BARTLoRA($0, rows: rows) }
            let loraFloats = shape.map { s in Int(BARTLoRA.estimatedFloats(s) { Double(rows($0, $1)) }) } ?? 0
            let blockRows = { (l: Int) in l < c.encoderLayers ? Ne : Nd }
            adapters = adapterShape.map { BARTAdapters($0, eps: c.layerNormEpsilon, training: true, rows: blockRows) }
            let adapterFloats = adapterShape.map { Int(BARTAdapters.estimatedFloats($0, training: true) { Double(blockRows($0)) }) } ?? 0
            let layerFloats = (encoder + decoder).reduce(0) { $0 + $1.floats }
            bytes = 4 * (floats + layerFloats + (sh?.floats ?? 0) + loraFloats + adapterFloats)
        }
        deinit { for p in owned { p.deallocate() } }

        /// Kept buffers serve any pass; shared ones only a frozen pass.
        func holds(B b: Int, S s: Int, T t: Int, P p: Int, frozen f: Bool, lora l: LoRAShape?, adapters a: AdapterShape?) -> Bool {
            b <= B && s <= S && t <= T && p <= P && (!frozen || f) && lora?.shape == l && adapters?.shape == a
        }
    }

    private(set) var storage: Storage?
    var encoder: [Layer] { storage!.encoder }
    var decoder: [Layer] { storage!.decoder }
    var encIn: Buf { storage!.encIn }
    var encEmb: Buf { storage!.encEmb }
    var encM: Buf { storage!.encM }
    var encS: Buf { storage!.encS }
    var decIn: Buf { storage!.decIn }
    var decEmb: Buf { storage!.decEmb }
    var decM: Buf { storage!.decM }
    var decS: Buf { storage!.decS }
    var gathered: Buf { storage!.gathered }
    var logits: Buf { storage!.logits }
    var headLSE: Buf { storage!.headLSE }
    var losses: Buf { storage!.losses }
    var dxE: Buf { storage!.dxE }
    var dxD: Buf { storage!.dxD }
    var dEnc: Buf { storage!.dEnc }
    var dA: Buf { storage!.dA }
    var dB: Buf { storage!.dB }
    var dq: Buf { storage!.dq }
    var dk: Buf { storage!.dk }
    var dv: Buf { storage!.dv }
    var datty: Buf { storage!.datty }
    var dfc: Buf { storage!.dfc }
    var scratch: Buf { storage!.scratch }
    var dgathered: Buf { storage!.dgathered }
    var lora: BARTLoRA? { storage!.lora }
    var adapters: BARTAdapters? { storage!.adapters }
    // Key masks over the encoder's and the cross-attention's stores (prefix rows visible).
    var encoderMask: [UInt8] = [], crossMask: [UInt8] = []
    // This pass's virtual input embeddings and their gradient (prompt tuning).
    var virtualRows: CBuf?, virtualGrads: Buf?
    // This pass's dropout (nil: none), and the masks' storage kept between passes.
    var drop: BARTDropout?
    private var dropState: BARTDropout?

    /// `maxBatch`, `maxS`, `maxT`, `maxPrefix` bound the batches it will run; buffers are sized
    /// by the batches themselves (`Storage`).
    public init(model: BARTModel, maxBatch: Int, maxS: Int, maxT: Int, maxPrefix: Int = 0) {
        self.model = model; maxB = maxBatch; self.maxS = maxS; self.maxT = maxT; maxP = maxPrefix
    }

    /// Bytes the buffers of the largest batch so far hold.
    public var memoryBytes: Int { storage?.bytes ?? 0 }

    public func lastLosses(count: Int) -> UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: losses, count: count) }

    public func run(_ batch: TrainingBatch, conditioning: GraphConditioning, backward: Bool, weightGrads: UnsafeMutablePointer<Float>?,
                    trainable: TrainableWeights?, dropout: ModelDropout?) -> Double {
        guard let b = batch as? BARTBatch else { preconditionFailure("BARTGraph runs BARTBatch layouts") }
        precondition(b.B <= maxB && b.S <= maxS && b.T <= maxT && max(b.encoderPrefix, b.decoderPrefix, b.crossPrefix) <= maxP)
        let c = model.config, C = c.dModel
        let loraShape = conditioning.blocks?.lora, adapterShape = conditioning.blocks?.adapters
        // Frozen weights (no block and no embedding trains): their inputs are not kept per layer,
        // unless LoRA's gradients read them.
        let frozen = (!backward || weightGrads == nil || (trainable.map { !$0.any } ?? false)) && loraShape == nil
        let P = max(b.encoderPrefix, b.decoderPrefix, b.crossPrefix)
        precondition(loraShape == nil || P == 0, "LoRA and a prefix in one pass")
        if storage.map({ !$0.holds(B: b.B, S: b.S, T: b.T, P: P, frozen: frozen, lora: loraShape, adapters: adapterShape) }) ?? true {
            let old = storage.map { (B: $0.B, S: $0.S, T: $0.T, P: $0.P, frozen: $0.frozen) }
            storage = nil  // the old buffers go before the new ones come
            storage = Storage(c, B: max(b.B, old?.B ?? 0), S: max(b.S, old?.S ?? 0), T: max(b.T, old?.T ?? 0), P: max(P, old?.P ?? 0),
                              frozen: frozen && (old?.frozen ?? true), lora: loraShape, adapters: adapterShape)
        }
        if let params = conditioning.blocks {
            storage!.lora?.start(params)
            storage!.adapters?.start(values: params.adapterValues, grads: params.adapterGrads)
        }
        func rows(_ P: Int, _ v: UnsafePointer<Float>?, _ g: UnsafeMutablePointer<Float>?, layers: Int, _ what: String) -> PrefixRows {
            guard P > 0 else { return .none }
            precondition(v != nil, "a \(what) prefix needs its rows in the conditioning")
            return PrefixRows(P: P, values: v, grads: g, width: 2 * layers * C)
        }
        let prefixes = (encoder: rows(b.encoderPrefix, conditioning.encoderKeyValues, conditioning.encoderKeyValueGrads, layers: c.encoderLayers, "encoder"),
                        decoder: rows(b.decoderPrefix, conditioning.keyValues, conditioning.keyValueGrads, layers: c.decoderLayers, "decoder"),
                        cross: rows(b.crossPrefix, conditioning.crossKeyValues, conditioning.crossKeyValueGrads, layers: c.decoderLayers, "cross"))
        precondition(b.encoderVirtual == 0 || conditioning.embeddings != nil, "virtual input embeddings need conditioning.embeddings")
        virtualRows = b.encoderVirtual > 0 ? conditioning.embeddings : nil
        virtualGrads = b.encoderVirtual > 0 ? conditioning.embeddingGrads : nil
        fillStoreMask(&encoderMask, b, P: b.encoderPrefix)
        fillStoreMask(&crossMask, b, P: b.crossPrefix)
        if let d = dropout, d.rate > 0 {
            if dropState?.rate != d.rate { dropState = BARTDropout(rate: d.rate) }
            let NH = max(c.encoderHeads, c.decoderHeads)
            dropState!.start(seed: d.seed, attentionFloats: b.B * NH * max(b.S * (b.encoderPrefix + b.S), b.T * max(b.decoderPrefix + b.T, b.crossPrefix + b.S)))
            drop = dropState
        } else {
            drop = nil
        }
        let gEmb = (trainable ?? .all(layers: c.encoderLayers + c.decoderLayers)).contains(.embeddings) ? weightGrads : nil
        let loss = forward(b, prefixes, backward: backward, embeddingGrads: gEmb)
        if backward { self.backward(b, prefixes, grads: weightGrads, trainable: trainable) }
        return loss
    }

    /// (B, P + S): the P prefix rows visible, then the document's own mask; refilled in place
    /// (its storage kept between passes).
    func fillStoreMask(_ m: inout [UInt8], _ b: BARTBatch, P: Int) {
        m.removeAll(keepingCapacity: true)
        for i in 0..<b.B {
            m.append(contentsOf: repeatElement(1, count: P))
            m.append(contentsOf: b.encoderMask[(i * b.S)..<((i + 1) * b.S)])
        }
    }

    // MARK: forward

    /// `virtual`: (P, C) rows in place of the first P tokens of each sequence, unscaled (PEFT's prompt tuning).
    func embed(_ out: Buf, sum: Buf, mean: Buf, rstd: Buf, tokens: [Int32], T: Int, first: Int = 0, virtual: (rows: CBuf, P: Int)? = nil,
               table: Int, lnW: Int, lnB: Int, N: Int) {
        let c = model.config, C = c.dModel, p = model.params.base, scale = c.embedScale, L = model.layout
        for i in 0..<N {
            let w = p + table + (first + i % T + BARTConfig.positionOffset) * C, o = sum + i * C
            if let v = virtual, i % T < v.P {
                let e = v.rows + (i % T) * C
                for j in 0..<C { o[j] = e[j] + w[j] }
                continue
            }
            let e = p + L.shared + Int(tokens[i]) * C
            for j in 0..<C { o[j] = scale * e[j] + w[j] }
        }
        layernormForward(out: out, mean: mean, rstd: rstd, inp: sum, weight: p + lnW, bias: p + lnB, N: N, C: C, eps: c.layerNormEpsilon)
    }

    /// store (B, P + n, C) = [prefix rows; inp (B·n, C) through the projection], per sequence.
    func project(into store: Buf, inp: CBuf, w: Int, b: Int, B: Int, n: Int, prefix: CBuf?, P: Int, width W: Int) {
        let p = model.params.base, C = model.config.dModel
        guard P > 0, let prefix else { linearForward(out: store, inp: inp, weight: p + w, bias: p + b, N: B * n, C: C, OC: C); return }
        for s in 0..<B {
            let dst = store + s * (P + n) * C
            for r in 0..<P { (dst + r * C).update(from: prefix + r * W, count: C) }
            linearForward(out: dst + P * C, inp: inp + s * n * C, weight: p + w, bias: p + b, N: n, C: C, OC: C)
        }
    }

    func feedForward(_ l: Layer, inp: CBuf, w: (fc1W: Int, fc1B: Int, fc2W: Int, fc2B: Int), F: Int, N: Int, layer: Int) {
        let p = model.params.base, C = model.config.dModel
        linearForward(out: l.fc, inp: inp, weight: p + w.fc1W, bias: p + w.fc1B, N: N, C: C, OC: F)
        lora?.forward(layer, "fc1", out: l.fc, x: inp, N: N)
        geluExactForward(out: l.g, inp: l.fc, N: N * F)
        drop?.apply(l.g, layer, .activation, N * F)
        linearForward(out: l.rf, inp: l.g, weight: p + w.fc2W, bias: p + w.fc2B, N: N, C: F, OC: C)
        lora?.forward(layer, "fc2", out: l.rf, x: l.g, N: N)
        adapters?.forward(layer, .feedForward, l.rf, N: N)
        drop?.apply(l.rf, layer, .output, N * C)
        residualForward(out: l.rf, a: l.rf, b: inp, N: N * C)
    }

    /// LoRA on a self-attention's q, k and v (no prefix rows: the stores are the tokens' own).
    func selfAttentionLoRA(_ block: Int, _ l: Layer, x: CBuf, N: Int) {
        guard let lora else { return }
        lora.forward(block, "self_attn.q_proj", out: l.q, x: x, N: N)
        lora.forward(block, "self_attn.k_proj", out: l.k, x: x, N: N)
        lora.forward(block, "self_attn.v_proj", out: l.v, x: x, N: N)
    }

    /// Label rows the head takes at a time: their (rows, V) logits are the only ones that exist.
    public static let headRows = 64

    /// `backward`: the head's backward runs with its forward, chunk by chunk (`head`).
    func forward(_ b: BARTBatch, _ pre: (encoder: PrefixRows, decoder: PrefixRows, cross: PrefixRows), backward: Bool, embeddingGrads: Buf?) -> Double {
        let c = model.config, C = c.dModel, p = model.params.base, L = model.layout, eps = c.layerNormEpsilon
        precondition(c.activation == .gelu, "BART's training pass has the exact GELU (bart-base, bart-large)")
        let Ne = b.B * b.S, Nd = b.B * b.T, Pe = pre.encoder.P, Pd = pre.decoder.P, Pc = pre.cross.P
        embed(encEmb, sum: encIn, mean: encM, rstd: encS, tokens: b.encoderTokens, T: b.S, virtual: virtualRows.map { ($0, b.encoderVirtual) },
              table: L.encPositions, lnW: L.encLnW, lnB: L.encLnB, N: Ne)
        drop?.apply(encEmb, -1, .embeddings, Ne * C)
        let Le = c.encoderLayers
        var x = UnsafePointer(encEmb)
        encoderMask.withUnsafeBufferPointer { m in
            for (li, (l, w)) in zip(encoder, L.encoder).enumerated() {
                let a = w.attn
                linearForward(out: l.q, inp: x, weight: p + a.qW, bias: p + a.qB, N: Ne, C: C, OC: C)
                project(into: l.k, inp: x, w: a.kW, b: a.kB, B: b.B, n: b.S, prefix: pre.encoder.key(li, C: C), P: Pe, width: pre.encoder.width)
                project(into: l.v, inp: x, w: a.vW, b: a.vB, B: b.B, n: b.S, prefix: pre.encoder.value(li, C: C), P: Pe, width: pre.encoder.width)
                selfAttentionLoRA(li, l, x: x, N: Ne)
                attend(out: l.atty, att: l.att, q: l.q, keys: l.k, values: l.v, mask: m.baseAddress, mode: .bidirectional,
                       B: b.B, T: b.S, past: 0, Tk: Pe + b.S, NH: c.encoderHeads, drop: (li, .attention))
                linearForward(out: l.r1, inp: l.atty, weight: p + a.oW, bias: p + a.oB, N: Ne, C: C, OC: C)
                lora?.forward(li, "self_attn.out_proj", out: l.r1, x: l.atty, N: Ne)
                adapters?.forward(li, .attention, l.r1, N: Ne)
                drop?.apply(l.r1, li, .attentionOutput, Ne * C)
                residualForward(out: l.r1, a: l.r1, b: x, N: Ne * C)
                layernormForward(out: l.a1, mean: l.m1, rstd: l.s1, inp: l.r1, weight: p + w.ln1W, bias: p + w.ln1B, N: Ne, C: C, eps: eps)
                feedForward(l, inp: l.a1, w: (w.fc1W, w.fc1B, w.fc2W, w.fc2B), F: c.encoderFFN, N: Ne, layer: li)
                layernormForward(out: l.out, mean: l.mf, rstd: l.sf, inp: l.rf, weight: p + w.ln2W, bias: p + w.ln2B, N: Ne, C: C, eps: eps)
                adapters?.forward(li, .blockOutput, l.out, N: Ne)
                x = UnsafePointer(l.out)
            }
        }
        let memory = x
        embed(decEmb, sum: decIn, mean: decM, rstd: decS, tokens: b.decoderTokens, T: b.T, first: b.decoderFirstPosition, table: L.decPositions,
              lnW: L.decLnW, lnB: L.decLnB, N: Nd)
        drop?.apply(decEmb, -2, .embeddings, Nd * C)
        var y = UnsafePointer(decEmb)
        crossMask.withUnsafeBufferPointer { m in
            for (li, (l, w)) in zip(decoder, L.decoder).enumerated() {
                let s = w.selfAttn, a = w.cross
                linearForward(out: l.q, inp: y, weight: p + s.qW, bias: p + s.qB, N: Nd, C: C, OC: C)
                project(into: l.k, inp: y, w: s.kW, b: s.kB, B: b.B, n: b.T, prefix: pre.decoder.key(li, C: C), P: Pd, width: pre.decoder.width)
                project(into: l.v, inp: y, w: s.vW, b: s.vB, B: b.B, n: b.T, prefix: pre.decoder.value(li, C: C), P: Pd, width: pre.decoder.width)
                selfAttentionLoRA(Le + li, l, x: y, N: Nd)
                // Query t sees the P prefix rows and the targets 0 ... t.
                attend(out: l.atty, att: l.att, q: l.q, keys: l.k, values: l.v, mask: nil, mode: .causal,
                       B: b.B, T: b.T, past: Pd, Tk: Pd + b.T, NH: c.decoderHeads, drop: (Le + li, .attention))
                linearForward(out: l.r1, inp: l.atty, weight: p + s.oW, bias: p + s.oB, N: Nd, C: C, OC: C)
                lora?.forward(Le + li, "self_attn.out_proj", out: l.r1, x: l.atty, N: Nd)
                adapters?.forward(Le + li, .attention, l.r1, N: Nd)
                drop?.apply(l.r1, Le + li, .attentionOutput, Nd * C)
                residualForward(out: l.r1, a: l.r1, b: y, N: Nd * C)
                layernormForward(out: l.a1, mean: l.m1, rstd: l.s1, inp: l.r1, weight: p + w.ln1W, bias: p + w.ln1B, N: Nd, C: C, eps: eps)
                linearForward(out: l.q2!, inp: l.a1, weight: p + a.qW, bias: p + a.qB, N: Nd, C: C, OC: C)
                project(into: l.ck!, inp: memory, w: a.kW, b: a.kB, B: b.B, n: b.S, prefix: pre.cross.key(li, C: C), P: Pc, width: pre.cross.width)
                project(into: l.cv!, inp: memory, w: a.vW, b: a.vB, B: b.B, n: b.S, prefix: pre.cross.value(li, C: C), P: Pc, width: pre.cross.width)
                lora?.forward(Le + li, "encoder_attn.q_proj", out: l.q2!, x: l.a1, N: Nd)
                lora?.forward(Le + li, "encoder_attn.k_proj", out: l.ck!, x: memory, N: Ne)
                lora?.forward(Le + li, "encoder_attn.v_proj", out: l.cv!, x: memory, N: Ne)
                attend(out: l.atty2!, att: l.att2!, q: l.q2!, keys: l.ck!, values: l.cv!, mask: m.baseAddress, mode: .cross,
                       B: b.B, T: b.T, past: 0, Tk: Pc + b.S, NH: c.decoderHeads, drop: (Le + li, .crossAttention))
                linearForward(out: l.r2!, inp: l.atty2!, weight: p + a.oW, bias: p + a.oB, N: Nd, C: C, OC: C)
                lora?.forward(Le + li, "encoder_attn.out_proj", out: l.r2!, x: l.atty2!, N: Nd)
                drop?.apply(l.r2!, Le + li, .crossOutput, Nd * C)
                residualForward(out: l.r2!, a: l.r2!, b: l.a1, N: Nd * C)
                layernormForward(out: l.a2!, mean: l.m2!, rstd: l.s2!, inp: l.r2!, weight: p + w.ln2W, bias: p + w.ln2B, N: Nd, C: C, eps: eps)
                feedForward(l, inp: l.a2!, w: (w.fc1W, w.fc1B, w.fc2W, w.fc2B), F: c.decoderFFN, N: Nd, layer: Le + li)
                layernormForward(out: l.out, mean: l.mf, rstd: l.sf, inp: l.rf, weight: p + w.ln3W, bias: p + w.ln3B, N: Nd, C: C, eps: eps)
                adapters?.forward(Le + li, .blockOutput, l.out, N: Nd)
                y = UnsafePointer(l.out)
            }
        }
        for (i, r) in b.targetRows.enumerated() { (gathered + i * C).update(from: y + Int(r) * C, count: C) }
        return head(b, backward: backward, gEmb: embeddingGrads)
    }

    /// The head on the label rows, `headRows` at a time: logits = h·sharedᵀ + bias, loss
    /// Σ w·(lse − logit[y]). With `backward`, each chunk's dlogits = w·(softmax − onehot) go
    /// straight into dgathered (and into the shared embeddings' gradient when `gEmb`), so a
    /// batch's B·T·V logits never exist at once.
    func head(_ b: BARTBatch, backward: Bool, gEmb: Buf?) -> Double {
        let c = model.config, C = c.dModel, V = c.vocabSize, p = model.params.base, L = model.layout, n = b.targetCount
        var total = 0.0
        for start in stride(from: 0, to: n, by: BARTGraph.headRows) {
            let m = min(BARTGraph.headRows, n - start), x = gathered + start * C
            for i in 0..<m { (logits + i * V).update(from: p + L.logitsBias, count: V) }
            BLAS.sgemm(transA: false, transB: true, M: m, N: V, K: C, A: x, lda: C, B: p + L.shared, ldb: C, beta: 1, C: logits, ldc: V)
            logsumexpRows(lse: headLSE, logits: logits, N: m, V: V)
            for i in 0..<m {
                let y = Int(b.targetIds[start + i]), w = b.targetWeights[start + i]
                losses[start + i] = headLSE[i] - logits[i * V + y]
                total += Double(w) * Double(losses[start + i])
            }
            guard backward else { continue }
            b.targetWeights.withUnsafeBufferPointer { weightedSoftmaxRows(logits, lse: headLSE, weights: $0.baseAddress! + start, N: m, V: V) }
            for i in 0..<m { logits[i * V + Int(b.targetIds[start + i])] -= b.targetWeights[start + i] }
            BLAS.sgemm(transA: false, transB: false, M: m, N: C, K: V, A: logits, lda: V, B: p + L.shared, ldb: C, beta: 0, C: dgathered + start * C, ldc: C)
            if let gEmb {
                BLAS.sgemm(transA: true, transB: false, M: V, N: C, K: m, A: logits, lda: V, B: x, ldb: C, beta: 1, C: gEmb + L.shared, ldc: C)
            }
        }
        return total
    }

    // MARK: backward

    /// d/dx of a post-LayerNorm sub-layer out = LN(x + f(x)) given dout: `dr` (the gradient
    /// at x + f(x)) is written, from which both x and f get theirs.
    func layerNormBack(_ dr: Buf, dout: CBuf, inp: CBuf, mean: CBuf, rstd: CBuf, w: Int, b: Int, N: Int, grads: Buf?) {
        let C = model.config.dModel, p = model.params.base
        dr.update(repeating: 0, count: N * C)
        layernormBackward(dinp: dr, dweight: grads.map { $0 + w }, dbias: grads.map { $0 + b }, dout: dout, inp: inp,
                          weight: p + w, mean: mean, rstd: rstd, N: N, C: C)
    }

    /// dinp += (dout through the linear layer); its weight and bias gradients when `grads`.
    func linearBack(dinp: Buf?, dout: CBuf, inp: CBuf, w: Int, b: Int, N: Int, C: Int, OC: Int, grads: Buf?) {
        let p = model.params.base
        if let dinp { BLAS.sgemm(transA: false, transB: false, M: N, N: C, K: OC, A: dout, lda: OC, B: p + w, ldb: C, beta: 1, C: dinp, ldc: C) }
        if grads != nil {
            linearBackward(dinp: nil, dweight: grads.map { $0 + w }, dbias: grads.map { $0 + b }, dout: dout, inp: inp, weight: p + w, N: N, C: C, OC: OC)
        }
    }

    /// `project`'s backward from the store's gradient (B, P + n, C): the prefix rows' summed
    /// over the batch into `prefixGrad`; the tokens' through the projection, dinp += (nil: not
    /// needed) and the weights' gradients when `grads`.
    func projectBack(dstore: CBuf, inp: CBuf, dinp: Buf?, w: Int, b: Int, B: Int, n: Int, P: Int, prefixGrad: Buf?, width W: Int, grads: Buf?) {
        let C = model.config.dModel, p = model.params.base
        if let prefixGrad {
            for s in 0..<B { for r in 0..<P { axpy(1, dstore + (s * (P + n) + r) * C, prefixGrad + r * W, C) } }
        }
        guard dinp != nil || grads != nil else { return }
        // The tokens' rows of each sequence's store: one product when there is no prefix.
        for (s, rows) in P == 0 ? [(0, B * n)] : (0..<B).map({ ($0, n) }) {
            let d = dstore + (s * (P + n) + P) * C, x = inp + s * n * C
            if let dinp { BLAS.sgemm(transA: false, transB: false, M: rows, N: C, K: C, A: d, lda: C, B: p + w, ldb: C, beta: 1, C: dinp + s * n * C, ldc: C) }
            if grads != nil {
                linearBackward(dinp: nil, dweight: grads.map { $0 + w }, dbias: grads.map { $0 + b }, dout: d, inp: x, weight: p + w, N: rows, C: C, OC: C)
            }
        }
    }

    /// The feed-forward's backward: `dr` the gradient at its residual sum; dinp += through fc1.
    func feedForwardBack(_ l: Layer, dr: CBuf, inp: CBuf, w: (fc1W: Int, fc1B: Int, fc2W: Int, fc2B: Int), F: Int, N: Int, dinp: Buf, grads: Buf?, layer: Int) {
        let p = model.params.base, C = model.config.dModel
        linearBackward(dinp: dfc, dweight: grads.map { $0 + w.fc2W }, dbias: grads.map { $0 + w.fc2B }, dout: dr, inp: l.g, weight: p + w.fc2W, N: N, C: F, OC: C)
        lora?.backward(layer, "fc2", dinp: dfc, dout: dr, x: l.g, N: N)
        drop?.apply(dfc, layer, .activation, N * F)
        geluExactBackward(dinp: dfc, inp: l.fc, dout: dfc, N: N * F)
        linearBack(dinp: dinp, dout: dfc, inp: inp, w: w.fc1W, b: w.fc1B, N: N, C: C, OC: F, grads: grads)
        lora?.backward(layer, "fc1", dinp: dinp, dout: dfc, x: inp, N: N)
    }

    /// Self-attention's backward from the gradient `dr` at its residual sum: dinp += through q,
    /// k, v (nil: nothing below needs it); the prefix rows' gradients into `prefix`'s buffer.
    func selfAttentionBack(_ l: Layer, dr: CBuf, inp: CBuf, a: BARTLayout.Attention, mode: AttentionMode, mask: UnsafePointer<UInt8>?, B: Int, T: Int, NH: Int,
                           prefix: PrefixRows, layer li: Int, dropLayer: Int, dinp: Buf?, grads: Buf?) {
        let C = model.config.dModel, N = B * T, p = model.params.base, P = prefix.P, Tk = P + T
        linearBackward(dinp: datty, dweight: grads.map { $0 + a.oW }, dbias: grads.map { $0 + a.oB }, dout: dr, inp: l.atty, weight: p + a.oW, N: N, C: C, OC: C)
        lora?.backward(dropLayer, "self_attn.out_proj", dinp: datty, dout: dr, x: l.atty, N: N)
        dq.update(repeating: 0, count: N * C); dk.update(repeating: 0, count: B * Tk * C); dv.update(repeating: 0, count: B * Tk * C)
        attendBack(dout: datty, att: l.att, q: l.q, keys: l.k, values: l.v, mask: mask, mode: mode, B: B, T: T, past: mode == .causal ? P : 0, Tk: Tk, NH: NH,
                   drop: (dropLayer, .attention))
        linearBack(dinp: dinp, dout: dq, inp: inp, w: a.qW, b: a.qB, N: N, C: C, OC: C, grads: grads)
        projectBack(dstore: dk, inp: inp, dinp: dinp, w: a.kW, b: a.kB, B: B, n: T, P: P, prefixGrad: prefix.keyGrad(li, C: C), width: prefix.width, grads: grads)
        projectBack(dstore: dv, inp: inp, dinp: dinp, w: a.vW, b: a.vB, B: B, n: T, P: P, prefixGrad: prefix.valueGrad(li, C: C), width: prefix.width, grads: grads)
        if let lora {
            lora.backward(dropLayer, "self_attn.q_proj", dinp: dinp, dout: dq, x: inp, N: N)
            lora.backward(dropLayer, "self_attn.k_proj", dinp: dinp, dout: dk, x: inp, N: N)
            lora.backward(dropLayer, "self_attn.v_proj", dinp: dinp, dout: dv, x: inp, N: N)
        }
    }

    /// Embeddings' backward from the gradient at their LayerNorm's output.
    /// `virtual`: the first P rows of each sequence were virtual embeddings; their gradient goes there.
    func embedBack(dout: CBuf, sum: CBuf, mean: CBuf, rstd: CBuf, tokens: [Int32], T: Int, first: Int = 0, virtual: (grads: Buf, P: Int)? = nil,
                   table: Int, lnW: Int, lnB: Int, N: Int, grads: Buf?) {
        guard grads != nil || virtual != nil else { return }
        let C = model.config.dModel, scale = model.config.embedScale, L = model.layout
        layerNormBack(dA, dout: dout, inp: sum, mean: mean, rstd: rstd, w: lnW, b: lnB, N: N, grads: grads)
        if let v = virtual { for i in 0..<N where i % T < v.P { axpy(1, dA + i * C, v.grads + (i % T) * C, C) } }
        guard let g = grads else { return }
        let pad = Int32(model.config.padTokenId)
        for i in 0..<N {
            if let v = virtual, i % T < v.P { continue }
            let d = dA + i * C
            // transformers' embeddings have padding_idx = <pad>: that row gets nothing from lookups.
            if tokens[i] != pad { axpy(scale, d, g + L.shared + Int(tokens[i]) * C, C) }
            axpy(1, d, g + table + (first + i % T + BARTConfig.positionOffset) * C, C)
        }
    }

    func backward(_ b: BARTBatch, _ pre: (encoder: PrefixRows, decoder: PrefixRows, cross: PrefixRows), grads: Buf?, trainable: TrainableWeights?) {
        let c = model.config, C = c.dModel, p = model.params.base, L = model.layout
        let Ne = b.B * b.S, Nd = b.B * b.T, Pc = pre.cross.P
        let t = trainable ?? .all(layers: c.encoderLayers + c.decoderLayers)
        func g(_ group: ParameterEntry.Group) -> Buf? { t.contains(group) ? grads : nil }
        let gEmb = g(.embeddings)
        // The encoder's backward runs only for what it trains: its blocks, the embeddings, its prefix.
        let encoderNeeds = gEmb != nil || pre.encoder.grads != nil || virtualGrads != nil || (0..<c.encoderLayers).contains { g(.block($0)) != nil }
            || lora?.targets(0..<c.encoderLayers) == true || adapters != nil
        // The head's backward ran with its forward: dgathered holds the label rows' gradient.
        dxD.update(repeating: 0, count: Nd * C)
        for (i, r) in b.targetRows.enumerated() { axpy(1, dgathered + i * C, dxD + Int(r) * C, C) }
        dEnc.update(repeating: 0, count: Ne * C)
        let memory = UnsafePointer(encoder.last?.out ?? encEmb)
        // Decoder, top down; dxD holds the gradient at the current layer's output.
        for (li, (l, w)) in zip(decoder, L.decoder).enumerated().reversed() {
            let gl = g(.block(c.encoderLayers + li))
            let inp = UnsafePointer(li == 0 ? decEmb : decoder[li - 1].out), layer = c.encoderLayers + li
            adapters?.backward(layer, .blockOutput, dxD, N: Nd)
            layerNormBack(dB, dout: dxD, inp: l.rf, mean: l.mf, rstd: l.sf, w: w.ln3W, b: w.ln3B, N: Nd, grads: gl)
            // rf = a2 + ffn(a2): a2's gradient starts as dB and gains the feed-forward's.
            let da2 = dxD
            da2.update(from: dB, count: Nd * C)
            drop?.apply(dB, layer, .output, Nd * C)  // the branch's output was dropped; the residual's was not
            adapters?.backward(layer, .feedForward, dB, N: Nd)
            feedForwardBack(l, dr: dB, inp: l.a2!, w: (w.fc1W, w.fc1B, w.fc2W, w.fc2B), F: c.decoderFFN, N: Nd, dinp: da2, grads: gl, layer: layer)
            layerNormBack(dB, dout: da2, inp: l.r2!, mean: l.m2!, rstd: l.s2!, w: w.ln2W, b: w.ln2B, N: Nd, grads: gl)
            // r2 = a1 + cross(a1, memory); da2 is spent, so dxD takes a1's gradient from here.
            let da1 = dxD
            da1.update(from: dB, count: Nd * C)
            drop?.apply(dB, layer, .crossOutput, Nd * C)
            let a = w.cross
            linearBackward(dinp: datty, dweight: gl.map { $0 + a.oW }, dbias: gl.map { $0 + a.oB }, dout: dB, inp: l.atty2!, weight: p + a.oW, N: Nd, C: C, OC: C)
            lora?.backward(layer, "encoder_attn.out_proj", dinp: datty, dout: dB, x: l.atty2!, N: Nd)
            let Tk = Pc + b.S
            dq.update(repeating: 0, count: Nd * C); dk.update(repeating: 0, count: b.B * Tk * C); dv.update(repeating: 0, count: b.B * Tk * C)
            crossMask.withUnsafeBufferPointer { m in
                attendBack(dout: datty, att: l.att2!, q: l.q2!, keys: l.ck!, values: l.cv!, mask: m.baseAddress, mode: .cross,
                           B: b.B, T: b.T, past: 0, Tk: Tk, NH: c.decoderHeads, drop: (layer, .crossAttention))
            }
            let dmem = encoderNeeds ? dEnc : nil
            projectBack(dstore: dk, inp: memory, dinp: dmem, w: a.kW, b: a.kB, B: b.B, n: b.S, P: Pc, prefixGrad: pre.cross.keyGrad(li, C: C),
                        width: pre.cross.width, grads: gl)
            projectBack(dstore: dv, inp: memory, dinp: dmem, w: a.vW, b: a.vB, B: b.B, n: b.S, P: Pc, prefixGrad: pre.cross.valueGrad(li, C: C),
                        width: pre.cross.width, grads: gl)
            linearBack(dinp: da1, dout: dq, inp: l.a1, w: a.qW, b: a.qB, N: Nd, C: C, OC: C, grads: gl)
            if let lora {
                lora.backward(layer, "encoder_attn.k_proj", dinp: dmem, dout: dk, x: memory, N: Ne)
                lora.backward(layer, "encoder_attn.v_proj", dinp: dmem, dout: dv, x: memory, N: Ne)
                lora.backward(layer, "encoder_attn.q_proj", dinp: da1, dout: dq, x: l.a1, N: Nd)
            }
            layerNormBack(dB, dout: da1, inp: l.r1, mean: l.m1, rstd: l.s1, w: w.ln1W, b: w.ln1B, N: Nd, grads: gl)
            // r1 = x + self(x).
            dxD.update(from: dB, count: Nd * C)
            drop?.apply(dB, layer, .attentionOutput, Nd * C)
            adapters?.backward(layer, .attention, dB, N: Nd)
            // Below decoder layer 0 only the embeddings' gradient needs the input's.
            selfAttentionBack(l, dr: dB, inp: inp, a: w.selfAttn, mode: .causal, mask: nil, B: b.B, T: b.T, NH: c.decoderHeads, prefix: pre.decoder, layer: li,
                              dropLayer: layer, dinp: li > 0 || gEmb != nil ? dxD : nil, grads: gl)
        }
        drop?.apply(dxD, -2, .embeddings, Nd * C)
        embedBack(dout: dxD, sum: decIn, mean: decM, rstd: decS, tokens: b.decoderTokens, T: b.T, first: b.decoderFirstPosition, table: L.decPositions, lnW: L.decLnW, lnB: L.decLnB, N: Nd, grads: gEmb)
        guard encoderNeeds else { return }
        // Encoder, top down, from every decoder layer's keys and values.
        dxE.update(from: dEnc, count: Ne * C)
        for (li, (l, w)) in zip(encoder, L.encoder).enumerated().reversed() {
            let gl = g(.block(li))
            let inp = UnsafePointer(li == 0 ? encEmb : encoder[li - 1].out)
            adapters?.backward(li, .blockOutput, dxE, N: Ne)
            layerNormBack(dB, dout: dxE, inp: l.rf, mean: l.mf, rstd: l.sf, w: w.ln2W, b: w.ln2B, N: Ne, grads: gl)
            dxE.update(from: dB, count: Ne * C)
            drop?.apply(dB, li, .output, Ne * C)
            adapters?.backward(li, .feedForward, dB, N: Ne)
            feedForwardBack(l, dr: dB, inp: l.a1, w: (w.fc1W, w.fc1B, w.fc2W, w.fc2B), F: c.encoderFFN, N: Ne, dinp: dxE, grads: gl, layer: li)
            layerNormBack(dB, dout: dxE, inp: l.r1, mean: l.m1, rstd: l.s1, w: w.ln1W, b: w.ln1B, N: Ne, grads: gl)
            dxE.update(from: dB, count: Ne * C)
            drop?.apply(dB, li, .attentionOutput, Ne * C)
            adapters?.backward(li, .attention, dB, N: Ne)
            encoderMask.withUnsafeBufferPointer { m in
                selfAttentionBack(l, dr: dB, inp: inp, a: w.attn, mode: .bidirectional, mask: m.baseAddress, B: b.B, T: b.S, NH: c.encoderHeads, prefix: pre.encoder,
                                  layer: li, dropLayer: li, dinp: li > 0 || gEmb != nil || virtualGrads != nil ? dxE : nil, grads: gl)
            }
        }
        drop?.apply(dxE, -1, .embeddings, Ne * C)
        embedBack(dout: dxE, sum: encIn, mean: encM, rstd: encS, tokens: b.encoderTokens, T: b.S, virtual: virtualGrads.map { ($0, b.encoderVirtual) }, table: L.encPositions, lnW: L.encLnW, lnB: L.encLnB, N: Ne, grads: gEmb)
    }
}
