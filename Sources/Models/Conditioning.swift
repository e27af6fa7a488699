import Kernels

/// What a generation is conditioned on besides the prompt and the model's weights, as the
/// mechanisms a model offers (a method picks one or more; a fine-tuned run needs none):
/// - `prefix`: key/value rows before the prompt at every layer, (P, 2·L·C) in PEFT's layout
///   (for position p, layer l's key at columns 2l·C and its value at (2l+1)·C);
/// - `embeddings`: virtual input embeddings (P, C) placed right before the prompt;
/// - `infix`: key/value rows (P, 2·L·C) after the prompt (source + eos) and before the first
///   generated token, which is predicted at the eos as in training;
/// - `lora`: low-rank updates of the blocks' linear layers (`LoRAShape`'s layout), merged into
///   the weights while decoding;
/// - `adapters`: bottleneck adapters in every block (`AdapterShape`'s layout);
/// - `seq2seqPrefix`: an encoder-decoder's prefixes (encoder, decoder, cross-attention).
public struct Conditioning: Sendable {
    public var prefix: [Float]? = nil
    public var prefixRows = 0
    public var embeddings: [Float]? = nil
    public var embeddingRows = 0
    public var infix: [Float]? = nil
    public var infixRowCount = 0
    public var lora: (shape: LoRAShape, values: [Float])? = nil
    public var adapters: (shape: AdapterShape, values: [Float])? = nil
    public var seq2seqPrefix: Seq2SeqPrefix? = nil

    public init() {}
    public static func seq2seq(_ p: Seq2SeqPrefix) -> Conditioning { var c = Conditioning(); c.seq2seqPrefix = p; return c }

    public static let none = Conditioning()
    public static func prefix(P: Int, values: [Float]) -> Conditioning { var c = Conditioning(); c.prefix = values; c.prefixRows = P; return c }
    public static func embeddings(P: Int, values: [Float]) -> Conditioning { var c = Conditioning(); c.embeddings = values; c.embeddingRows = P; return c }
    public static func infix(P: Int, values: [Float]) -> Conditioning { var c = Conditioning(); c.infix = values; c.infixRowCount = P; return c }

    public static func lora(_ shape: LoRAShape, values: [Float]) -> Conditioning {
        precondition(values.count == shape.count); var c = Conditioning(); c.lora = (shape, values); return c
    }
    public static func adapters(_ shape: AdapterShape, values: [Float]) -> Conditioning {
        precondition(values.count == shape.count); var c = Conditioning(); c.adapters = (shape, values); return c
    }

    /// Key/value rows before the prompt.
    public var kvRows: Int { prefix == nil ? 0 : prefixRows }
    /// Virtual input embeddings before the prompt.
    public var virtualTokens: Int { embeddings == nil ? 0 : embeddingRows }
    /// Key/value rows after the prompt.
    public var infixRows: Int { infix == nil ? 0 : infixRowCount }
    /// Nothing a method adds: the model's own weights alone (a base model, a fine-tuned one).
    public var isNone: Bool { prefix == nil && embeddings == nil && infix == nil && lora == nil && adapters == nil && seq2seqPrefix == nil }
    /// What an encoder-decoder decodes with: its prefix, with virtual input embeddings going
    /// before the document; nil for none. `encoderDecoderTakesAll` says whether that is all.
    public var encoderDecoderPrefix: Seq2SeqPrefix? {
        var p = seq2seqPrefix
        if let e = embeddings {
            p = p ?? Seq2SeqPrefix(P: embeddingRows)
            p!.encoderEmbeddings = e
        }
        if let a = adapters {
            p = p ?? Seq2SeqPrefix(P: 0)
            p!.adapters = a
        }
        return p
    }
    /// Whether an encoder-decoder decodes all of this (its prefix, embeddings, adapters, LoRA; nothing else).
    public var encoderDecoderTakesAll: Bool { prefix == nil && infix == nil }
    /// Positions the conditioning takes besides the prompt and the new tokens.
    public var extraPositions: Int { kvRows + virtualTokens + infixRows }

    /// Appends the infix rows to every row of `cache` (after the prompt).
    public func appendInfix(to cache: KVCache) {
        guard let v = infix else { return }
        v.withUnsafeBufferPointer { cache.appendShared(rows: $0.baseAddress!, P: infixRowCount) }
    }

    /// Writes the prefix into an empty cache (every batch row), as KVCache.prefill takes it.
    public func prefill(_ cache: KVCache) {
        guard let rows = prefixInCacheLayout(layers: cache.nLayer, width: cache.C) else { return }
        rows.withUnsafeBufferPointer { cache.prefill(prefix: $0.baseAddress!, P: prefixRows) }
    }

    /// Writes the prefix into row b of an empty cache (a mixed batch: each row its own).
    public func prefill(_ cache: KVCache, row b: Int) {
        guard let rows = prefixInCacheLayout(layers: cache.nLayer, width: cache.C) else { return }
        rows.withUnsafeBufferPointer { cache.prefill(row: b, prefix: $0.baseAddress!, P: prefixRows) }
    }

    /// The prefix from PEFT's (P, 2·L·C) layout into the cache's (L, 2, P, C).
    private func prefixInCacheLayout(layers L: Int, width C: Int) -> [Float]? {
        prefix.map { Seq2SeqPrefix.cacheLayout($0, P: prefixRows, layers: L, width: C) }
    }
}

extension Conditioning {
    /// Runs `body` with the LoRA updates merged into the model's weights (W += scaling·(B·A)ᵀ
    /// in Conv1D's layout), so decoding pays no extra products per token, then puts the exact
    /// weights back (the training model's frozen weights stay bit-identical). `body` gets this
    /// conditioning without the LoRA part. The model must not be used elsewhere meanwhile.
    public func mergingLoRA<R>(into model: any LanguageModel, _ body: (Conditioning) throws -> R) rethrows -> R {
        guard let (shape, values) = lora else { return try body(self) }
        var rest = self
        rest.lora = nil
        let targets = shape.blocks.enumerated().flatMap { l, sites in sites.enumerated().map { (l, $0.offset, $0.element) } }
        let w = model.parameters.base
        var saved: [[Float]] = []
        for (l, _, s) in targets {
            guard let (o, _) = model.linearWeight(layer: l, module: s.module) else { preconditionFailure("no \(s.module) in block \(l)") }
            saved.append(Array(UnsafeBufferPointer(start: w + o, count: s.inFeatures * s.outFeatures)))
        }
        values.withUnsafeBufferPointer { v in
            for (l, k, s) in targets {
                let (o, inputMajor) = model.linearWeight(layer: l, module: s.module)!
                let a = v.baseAddress! + shape.offset(layer: l, site: k), b = a + shape.rank * s.inFeatures
                if inputMajor {
                    BLAS.sgemm(transA: true, transB: true, M: s.inFeatures, N: s.outFeatures, K: shape.rank, alpha: shape.scaling,
                               A: a, lda: s.inFeatures, B: b, ldb: shape.rank, beta: 1, C: w + o, ldc: s.outFeatures)
                } else {
                    BLAS.sgemm(transA: false, transB: false, M: s.outFeatures, N: s.inFeatures, K: shape.rank, alpha: shape.scaling,
                               A: b, lda: shape.rank, B: a, ldb: s.inFeatures, beta: 1, C: w + o, ldc: s.inFeatures)
                }
            }
        }
        model.weightsDidChange()
        defer {
            for ((l, _, s), copy) in zip(targets, saved) {
                let (o, _) = model.linearWeight(layer: l, module: s.module)!
                copy.withUnsafeBufferPointer { (w + o).update(from: $0.baseAddress!, count: $0.count) }
            }
            model.weightsDidChange()
        }
        return try body(rest)
    }

    /// The adapters' tensors as a forward pass reads them, valid inside `body` (nil: none).
    public func withBlockParameters<R>(_ body: (BlockParameters?) throws -> R) rethrows -> R {
        precondition(lora == nil, "merge LoRA first (mergingLoRA)")
        guard let (shape, values) = adapters else { return try body(nil) }
        return try values.withUnsafeBufferPointer { try body(BlockParameters(adapters: shape, adapterValues: $0.baseAddress!)) }
    }
}
