import Support

/// BART's dropout in a training pass, at transformers' sites: each stack's embeddings after
/// their LayerNorm, the attention probabilities, each attention's output, the feed-forward's
/// activation and its output (BartEncoderLayer, BartDecoderLayer). One rate for all of them
/// (transformers' `dropout`, `attention_dropout` and `activation_dropout`; bart-base and
/// bart-large set all three to 0.1). The factors (0 or 1/(1−p)) are drawn for each site of each
/// layer from the pass's seed alone, kept for the backward, and reused memory between passes.
final class BARTDropout {
    enum Site: Int { case embeddings, attention, attentionOutput, crossAttention, crossOutput, activation, output }

    let rate: Float
    private var seed: UInt64 = 0
    private var masks: [Int: FloatArena] = [:]
    private var drawn: Set<Int> = []
    /// Dropped attention probabilities, for the products that mix values (any layer's, in turn).
    private(set) var dropped = FloatArena(count: 1)

    init(rate: Float) { self.rate = rate }

    /// A new pass: every mask is drawn again on first use.
    func start(seed: UInt64, attentionFloats: Int) {
        self.seed = seed
        drawn.removeAll(keepingCapacity: true)
        if dropped.count < attentionFloats { dropped = FloatArena(count: attentionFloats) }
    }

    /// The factors of `site` in `layer` (−1: the encoder's embeddings, −2: the decoder's), n of them.
    func mask(_ layer: Int, _ site: Site, _ n: Int) -> UnsafePointer<Float> {
        let key = (layer + 2) * 8 + site.rawValue
        if masks[key].map({ $0.count < n }) ?? true { masks[key] = FloatArena(count: n); drawn.remove(key) }
        let m = masks[key]!.base
        if !drawn.contains(key) {
            var rng = SplitMix64(seed: seed &+ 0x2545_F491_4F6C_DD1D &* UInt64(key + 1))
            let keep = 1 / (1 - rate)
            for i in 0..<n { m[i] = rng.nextUniform() < rate ? 0 : keep }
            drawn.insert(key)
        }
        return UnsafePointer(m)
    }

    /// x ⊙= the site's factors.
    func apply(_ x: UnsafeMutablePointer<Float>, _ layer: Int, _ site: Site, _ n: Int) { scaleInPlace(x, by: mask(layer, site, n), n) }
}
