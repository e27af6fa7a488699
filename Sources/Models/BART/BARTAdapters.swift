import Kernels

/// Bottleneck adapters in BART's passes, over `AdapterShape`'s blocks (the encoder's layers,
/// then the decoder's), and where each sits:
/// - `lin`: on the layer's output, after its final LayerNorm;
/// - `houlsby`: on the self-attention's output and on the feed-forward's, after the branch's
///   output projection and before its dropout and residual (transformers' BART applies that
///   dropout inside the layer, so the torch twin's hooks see the branch before it); the
///   decoder's cross-attention gets none (AdapterHub's Houlsby configuration: no cross adapter).
///
/// Activations: training keeps each block's own (the adapter's input, its LayerNorm's output
/// and statistics, the ReLU's output), sized for that block's rows (the encoder's B·S, the
/// decoder's B·T); inference shares one set across blocks and keeps no input.
final class BARTAdapters {
    enum Site { case attention, feedForward, blockOutput }

    let shape: AdapterShape
    let training: Bool
    let eps: Float
    private struct Slots { var input = -1, ln = -1, mean = -1, rstd = -1, hidden = 0 }
    private let arena: FloatArena
    /// Per block (training) or one set (inference), per adapter.
    private let slots: [[Slots]]
    private let delta: Int, dhidden: Int
    /// Rows each block's slots hold.
    let rows: [Int]
    /// This pass's tensors (set by `start`).
    private var values: CBuf?, grads: Buf?

    /// `rows(block)`: the block's rows in the largest pass (inference: block 0's serve all).
    init(_ shape: AdapterShape, eps: Float, training: Bool, rows: (Int) -> Int) {
        self.shape = shape; self.training = training; self.eps = eps
        var x = 0
        func take(_ n: Int) -> Int { defer { x += n }; return x }
        let C = shape.width, b = shape.bottleneck, ln = shape.hasLayerNorm
        let blockRows = (0..<(training ? shape.layers : 1)).map(rows)
        slots = blockRows.map { N in
            (0..<shape.perLayer).map { _ in
                Slots(input: training ? take(N * C) : -1, ln: ln ? take(N * C) : -1, mean: ln && training ? take(N) : -1,
                      rstd: ln && training ? take(N) : -1, hidden: take(N * b))
            }
        }
        let widest = blockRows.max() ?? 0
        delta = take(widest * C)
        dhidden = training ? take(widest * b) : 0
        self.rows = blockRows
        arena = FloatArena(count: max(1, x))
    }

    /// Floats `init` would take (checked before anything is allocated).
    static func estimatedFloats(_ shape: AdapterShape, training: Bool, rows: (Int) -> Double) -> Double {
        let C = Double(shape.width), b = Double(shape.bottleneck), ln = shape.hasLayerNorm
        let blockRows = (0..<(training ? shape.layers : 1)).map(rows)
        let perRow = (training ? C : 0) + (ln ? C : 0) + (ln && training ? 2 : 0) + b
        let widest = blockRows.max() ?? 0
        return blockRows.reduce(0) { $0 + $1 * Double(shape.perLayer) * perRow } + widest * (C + (training ? b : 0))
    }

    func start(values: CBuf?, grads: Buf?) { self.values = values; self.grads = grads }

    /// Which of a block's adapters sits at `site` (nil: none there).
    private func index(_ site: Site) -> Int? {
        switch (shape.placement, site) {
        case (.blockOutput, .blockOutput): return 0
        case (.branchOutputs, .attention): return 0
        case (.branchOutputs, .feedForward): return 1
        default: return nil
        }
    }

    private func adapter(_ l: Int, _ k: Int, N: Int) -> BottleneckAdapter? {
        guard let values else { return nil }
        let s = slots[training ? l : 0][k], base = arena.base, off = shape.offset(layer: l, adapter: k)
        precondition(N <= rows[training ? l : 0], "an adapter pass of \(N) rows in slots for \(rows[training ? l : 0])")
        func slot(_ o: Int) -> Buf? { o >= 0 ? base + o : nil }
        return BottleneckAdapter(w: values + off, g: grads.map { $0 + off }, shape: shape, eps: eps, input: slot(s.input), ln: slot(s.ln),
                                 lnMean: slot(s.mean), lnRstd: slot(s.rstd), hidden: base + s.hidden, delta: base + delta)
    }

    /// x (N, C) += block l's adapter at `site`, if it has one there.
    func forward(_ l: Int, _ site: Site, _ x: Buf, N: Int) {
        guard let k = index(site), let a = adapter(l, k, N: N) else { return }
        adapterForward(x, a, N: N)
    }

    /// dy, the gradient at that adapter's output, becomes the gradient at its input; its
    /// tensors' gradients are accumulated.
    func backward(_ l: Int, _ site: Site, _ dy: Buf, N: Int) {
        guard let k = index(site), let a = adapter(l, k, N: N) else { return }
        adapterBackward(dy, a, dhidden: arena.base + dhidden, N: N)
    }
}
