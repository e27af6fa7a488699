/// The conditioning of one decoding batch: one `Conditioning` shared by every row (a run's own
/// test set), or one per row — many prefix and embedding runs served together by one frozen
/// model, the paper's modularity argument. Per-row conditionings may hold a prefix or virtual
/// embeddings only: LoRA and adapters change the weights every row reads, and an infix sits
/// after prompts of different lengths.
///
/// Cache layout of a mixed batch: row b's prefix takes positions 0 ..< P_b, the slots up to the
/// longest prefix are masked (and zero), then the left-padded prompts; row b's real tokens take
/// positions from P_b, as in its own run. Virtual embeddings of every row sit in one matrix,
/// row b's from `embeddingOffset(b)`.
public struct BatchConditioning: Sendable {
    /// LoRA, adapters and infix: the same for every row.
    public let shared: Conditioning
    private let rows: [Conditioning]?
    /// Every row's virtual embeddings, stacked (P_total, C).
    public let embeddings: [Float]
    private let embeddingOffsets: [Int]

    public init(_ c: Conditioning) {
        shared = c; rows = nil; embeddings = c.embeddings ?? []; embeddingOffsets = []
    }

    public init(rows: [Conditioning]) {
        precondition(rows.allSatisfy { $0.lora == nil && $0.adapters == nil && $0.infix == nil }, "per-row conditioning holds a prefix or embeddings only")
        shared = .none
        self.rows = rows
        var stacked: [Float] = [], offsets: [Int] = [], next = 0
        for r in rows {
            offsets.append(next)
            if let e = r.embeddings { stacked += e; next += r.embeddingRows }
        }
        embeddings = stacked
        embeddingOffsets = offsets
    }

    /// Whether rows differ (a mixed batch).
    public var isMixed: Bool { rows != nil }

    /// Key/value rows before row b's prompt.
    public func kvRows(_ b: Int) -> Int { rows?[b].kvRows ?? shared.kvRows }
    /// Virtual input embeddings before row b's prompt.
    public func virtualTokens(_ b: Int) -> Int { rows?[b].virtualTokens ?? shared.virtualTokens }
    /// Row of `embeddings` where row b's virtual tokens start.
    public func embeddingOffset(_ b: Int) -> Int { rows == nil ? 0 : embeddingOffsets[b] }
    /// Cache positions before the prompts: the longest prefix.
    public var maxKVRows: Int { rows?.map(\.kvRows).max() ?? shared.kvRows }
    /// Key/value rows after the prompt (shared).
    public var infixRows: Int { shared.infixRows }

    /// Writes every row's prefix into an empty cache of as many rows.
    public func prefill(_ cache: KVCache) {
        guard let rows else { shared.prefill(cache); return }
        precondition(rows.count == cache.B)
        for (b, r) in rows.enumerated() { r.prefill(cache, row: b) }
        cache.startPrompts(at: maxKVRows)
    }

    public func appendInfix(to cache: KVCache) { shared.appendInfix(to: cache) }
}
