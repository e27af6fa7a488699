import Kernels

/// LoRA in BART's training pass: for each block (the encoder's layers, then the decoder's) and
/// each target site, the update's u = dropout(x)·Aᵀ (rows, r) kept for the backward and, with
/// lora_dropout, this pass's mask (rows, in); rows are the site's input rows (the encoder's
/// B·S for its layers and for the cross-attention's keys and values, the decoder's B·T
/// otherwise). Sized for a batch's rows, as `BARTGraph.Storage` is.
final class BARTLoRA {
    let shape: LoRAShape
    private let arena: FloatArena
    /// Per block, per site: where u and the mask (-1: none) start.
    private let u: [[Int]], mask: [[Int]]
    private let scratch: Int, du: Int
    /// Per block, each target's site index by module path (looked up on every pass).
    private let index: [[String: Int]]
    /// This pass's tensors (set by `start`).
    private var values: CBuf?, grads: Buf?, seed: UInt64?

    /// `rows(block, site)`: the site's input rows for the largest batch.
    init(_ shape: LoRAShape, rows: (Int, LinearSite) -> Int) {
        self.shape = shape
        var x = 0, us: [[Int]] = [], ms: [[Int]] = [], widest = 0
        func take(_ n: Int) -> Int { defer { x += n }; return x }
        for (l, sites) in shape.blocks.enumerated() {
            us.append(sites.map { take(rows(l, $0) * shape.rank) })
            ms.append(sites.map { shape.dropout > 0 ? take(rows(l, $0) * $0.inFeatures) : -1 })
            widest = max(widest, sites.map { rows(l, $0) * $0.inFeatures }.max() ?? 0)
        }
        let maxRows = shape.blocks.enumerated().flatMap { l, s in s.map { rows(l, $0) } }.max() ?? 0
        scratch = take(shape.dropout > 0 ? widest : 0)
        du = take(maxRows * shape.rank)
        u = us; mask = ms
        index = shape.blocks.map { Dictionary($0.enumerated().map { ($1.module, $0) }, uniquingKeysWith: { a, _ in a }) }
        arena = FloatArena(count: max(1, x))
    }

    /// Floats `init` would take (checked before anything is allocated).
    static func estimatedFloats(_ shape: LoRAShape, rows: (Int, LinearSite) -> Double) -> Double {
        var x = 0.0, widest = 0.0, maxRows = 0.0
        for (l, sites) in shape.blocks.enumerated() {
            for s in sites {
                let n = rows(l, s)
                x += n * (Double(shape.rank) + (shape.dropout > 0 ? Double(s.inFeatures) : 0))
                widest = max(widest, n * Double(s.inFeatures)); maxRows = max(maxRows, n)
            }
        }
        return x + (shape.dropout > 0 ? widest : 0) + maxRows * Double(shape.rank)
    }

    func start(_ params: BlockParameters) {
        values = params.loraValues; grads = params.loraGrads; seed = params.loraDropoutSeed
    }

    /// Block l's site at `module` for a pass of N input rows (nil: not a target); `draw` draws
    /// its dropout mask (the forward does, the backward reads it).
    func site(_ l: Int, _ module: String, N: Int, draw: Bool) -> LoRASite? {
        guard let values, let k = index[l][module] else { return nil }
        let s = shape.blocks[l][k], base = arena.base, off = shape.offset(layer: l, site: k), aFloats = shape.rank * s.inFeatures
        var m: CBuf? = nil
        if mask[l][k] >= 0, let seed {
            if draw { drawLoRAMask(base + mask[l][k], count: N * s.inFeatures, rate: shape.dropout, seed: seed, layer: l, site: k, sites: shape.blocks[l].count) }
            m = UnsafePointer(base + mask[l][k])
        }
        return LoRASite(A: values + off, B: values + off + aFloats, dA: grads.map { $0 + off }, dB: grads.map { $0 + off + aFloats },
                        r: shape.rank, inF: s.inFeatures, outF: s.outFeatures, scaling: shape.scaling, u: base + u[l][k], mask: m, scratch: base + scratch)
    }

    /// out (N, out) += the update of block l's `module` on x.
    func forward(_ l: Int, _ module: String, out: Buf, x: CBuf, N: Int) {
        guard let s = site(l, module, N: N, draw: true) else { return }
        loraForward(out: out, x: x, s, N: N)
    }

    /// A and B's gradients from dout, and the update's share of dinp (nil: not needed).
    func backward(_ l: Int, _ module: String, dinp: Buf?, dout: CBuf, x: CBuf, N: Int) {
        guard let s = site(l, module, N: N, draw: false) else { return }
        loraBackward(dinp: dinp, dout: dout, x: x, s, du: arena.base + du, N: N)
    }

    /// Whether any site of blocks `range` is a target (its backward must run).
    func targets(_ range: Range<Int>) -> Bool { range.contains { !shape.blocks[$0].isEmpty } }
}
