/// An encoder-decoder's prefix for decoding and scoring: P key/value rows for each attention
/// kind a method trained, each (P, 2·L·C) in PEFT's column layout over its own stack's L layers
/// (row p, layer l: key at columns 2l·C, value at (2l+1)·C).
///
/// - `encoder`: before the document's keys in every encoder layer (computed once per document);
/// - `decoder`: before the target's keys in every decoder self-attention (one copy per beam);
/// - `cross`: before the encoder's outputs in every cross-attention (shared by a document's beams).
///
/// - `encoderEmbeddings`: (P, C) virtual input embeddings before the document's (prompt tuning,
///   as PEFT's seq2seq PromptTuning: unscaled, at positions 0..<P, the document after them).
///
/// - `adapters`: an adapter run's bottleneck adapters (`AdapterShape`'s layout over the
///   encoder's layers then the decoder's), which both stacks apply; with no prefix, P is 0.
///
/// `decoderTakesPositions`: whether the decoder's tokens start at position P (PEFT's seq2seq
/// PrefixTuning, as transformers counts the cache) or at 0 (the original code, which derives
/// positions from the decoder's own tokens).
public struct Seq2SeqPrefix: Sendable {
    public var P: Int
    public var encoder: [Float]?
    public var decoder: [Float]?
    public var cross: [Float]?
    public var encoderEmbeddings: [Float]?
    public var adapters: (shape: AdapterShape, values: [Float])?
    public var decoderTakesPositions: Bool

    public init(P: Int, encoder: [Float]? = nil, decoder: [Float]? = nil, cross: [Float]? = nil, encoderEmbeddings: [Float]? = nil,
                adapters: (shape: AdapterShape, values: [Float])? = nil, decoderTakesPositions: Bool = false) {
        self.P = P; self.encoder = encoder; self.decoder = decoder; self.cross = cross; self.encoderEmbeddings = encoderEmbeddings
        self.adapters = adapters; self.decoderTakesPositions = decoderTakesPositions
    }

    /// Virtual input embeddings before the document.
    public var encoderVirtualTokens: Int { encoderEmbeddings == nil ? 0 : P }

    /// One kind's rows from (P, 2·L·C) into `KVCache.prefill`'s (L, 2, P, C).
    public static func cacheLayout(_ v: [Float], P: Int, layers L: Int, width C: Int) -> [Float] {
        precondition(v.count == P * 2 * L * C)
        var out = [Float](repeating: 0, count: v.count)
        for l in 0..<L {
            for kv in 0..<2 {
                for p in 0..<P {
                    for c in 0..<C { out[((l * 2 + kv) * P + p) * C + c] = v[p * 2 * L * C + (2 * l + kv) * C + c] }
                }
            }
        }
        return out
    }

    /// PEFT 0.21.2's seq2seq PrefixTuning as its own forward reads `prompt_embeddings` (P, 2·L·C),
    /// L the encoder's depth (measured with transformers 5.24): viewed as 2L blocks of C columns,
    /// doubled to 4L, decoder layer l takes blocks 4l … 4l+3 as self keys, self values, cross
    /// keys, cross values, then the cross-attention cache is emptied. So layer l's keys are block
    /// (4l mod 2L) and its values block (4l+1 mod 2L) (with two layers both read blocks 0 and 1);
    /// the encoder gets nothing; the decoder's tokens start at position P. Equal depths only
    /// (PEFT's forward raises an IndexError otherwise; the caller refuses them).
    public static func peftBlock(layer l: Int, value: Bool, encoderLayers L: Int) -> Int { (4 * l + (value ? 1 : 0)) % (2 * L) }

    /// A PEFT seq2seq adapter's tensor as this prefix: decoder rows (P, 2·L_dec·C).
    public static func peft(embeddings e: [Float], P: Int, encoderLayers L: Int, decoderLayers Ld: Int, width C: Int) -> Seq2SeqPrefix {
        let W = 2 * L * C, Wd = 2 * Ld * C
        precondition(e.count == P * W)
        var out = [Float](repeating: 0, count: P * Wd)
        for l in 0..<Ld {
            for kv in 0..<2 {
                let block = peftBlock(layer: l, value: kv == 1, encoderLayers: L)
                for p in 0..<P { for c in 0..<C { out[p * Wd + (2 * l + kv) * C + c] = e[p * W + block * C + c] } }
            }
        }
        return Seq2SeqPrefix(P: P, decoder: out, decoderTakesPositions: true)
    }
}
