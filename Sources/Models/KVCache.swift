/// Keys and values of every position seen so far, per layer, plus which positions may be
/// attended to. Layer l's keys: (B, capacity, C), row r of batch b at b·capacity·C + r·C.
///
/// A prefix of prefix-tuning is exactly a pre-filled cache: `prefill` writes P positions
/// shared by every batch row, and the real tokens that follow take positions P, P+1, ...
public final class KVCache: @unchecked Sendable {
    public let B: Int
    public let capacity: Int
    public let nLayer: Int
    public let C: Int
    public let keys: FloatArena
    public let values: FloatArena
    /// (B, capacity): 1 where the position may be attended to.
    public let mask: UnsafeMutablePointer<UInt8>
    public private(set) var length = 0

    public init(layers: Int, width: Int, batch B: Int, capacity: Int) {
        self.B = B; self.capacity = capacity; self.nLayer = layers; self.C = width
        keys = FloatArena(count: layers * B * capacity * width)
        values = FloatArena(count: layers * B * capacity * width)
        mask = .allocate(capacity: B * capacity)
        mask.initialize(repeating: 0, count: B * capacity)
    }

    deinit { mask.deallocate() }

    public func keys(layer l: Int) -> UnsafeMutablePointer<Float> { keys[l * B * capacity * C] }
    public func values(layer l: Int) -> UnsafeMutablePointer<Float> { values[l * B * capacity * C] }

    public func reset() {
        length = 0
        mask.update(repeating: 0, count: B * capacity)
    }

    /// Writes P prefix positions shared by every batch row. prefix: (L, 2, P, C), keys then
    /// values per layer, heads concatenated along C (head h at columns h·hs ..< (h+1)·hs).
    public func prefill(prefix: UnsafePointer<Float>, P: Int) {
        precondition(length == 0 && P <= capacity)
        for l in 0..<nLayer {
            let k = prefix + (l * 2) * P * C, v = prefix + (l * 2 + 1) * P * C
            for b in 0..<B {
                (keys(layer: l) + b * capacity * C).update(from: k, count: P * C)
                (values(layer: l) + b * capacity * C).update(from: v, count: P * C)
                for r in 0..<P { mask[b * capacity + r] = 1 }
            }
        }
        length = P
    }

    /// Writes P prefix positions of row b alone (a batch whose rows have prefixes of their own,
    /// of different lengths); `startPrompts(at:)` then sets where the prompts begin.
    public func prefill(row b: Int, prefix: UnsafePointer<Float>, P: Int) {
        precondition(length == 0 && P <= capacity && b < B)
        for l in 0..<nLayer {
            (keys(layer: l) + b * capacity * C).update(from: prefix + (l * 2) * P * C, count: P * C)
            (values(layer: l) + b * capacity * C).update(from: prefix + (l * 2 + 1) * P * C, count: P * C)
        }
        for r in 0..<P { mask[b * capacity + r] = 1 }
    }

    /// Ends per-row prefilling: the prompts start at position n. A row's slots past its own
    /// prefix stay masked, and are zeroed so that no stale value of an earlier batch (a NaN)
    /// can reach a product with its zero weight.
    public func startPrompts(at n: Int) {
        precondition(length == 0 && n <= capacity)
        for b in 0..<B {
            for r in 0..<n where mask[b * capacity + r] == 0 {
                for l in 0..<nLayer {
                    (keys(layer: l) + (b * capacity + r) * C).update(repeating: 0, count: C)
                    (values(layer: l) + (b * capacity + r) * C).update(repeating: 0, count: C)
                }
            }
        }
        length = n
    }

    /// Appends P positions shared by every batch row, given in PEFT's (P, 2·L·C) layout (layer
    /// l's key at columns 2l·C, its value at (2l+1)·C): an infix after the prompt.
    public func appendShared(rows v: UnsafePointer<Float>, P: Int) {
        precondition(length + P <= capacity)
        for l in 0..<nLayer {
            for b in 0..<B {
                for p in 0..<P {
                    (keys(layer: l) + (b * capacity + length + p) * C).update(from: v + p * 2 * nLayer * C + 2 * l * C, count: C)
                    (values(layer: l) + (b * capacity + length + p) * C).update(from: v + p * 2 * nLayer * C + (2 * l + 1) * C, count: C)
                }
                for p in 0..<P { mask[b * capacity + length + p] = 1 }
            }
        }
        length += P
    }

    /// Records T new positions: their mask bits (B, T), or all ones when nil.
    public func append(T: Int, keyMask: UnsafePointer<UInt8>?) {
        precondition(length + T <= capacity, "KV cache of \(capacity) positions is full")
        for b in 0..<B {
            for t in 0..<T { mask[b * capacity + length + t] = keyMask.map { $0[b * T + t] } ?? 1 }
        }
    }

    public func advance(by T: Int) { length += T }

    /// Fills this cache's rows from another cache of the same model: row i takes `source`'s
    /// row rows[i], all its positions (beam search copies each prompt to its beams).
    public func copyRows(from source: KVCache, rows: [Int]) {
        precondition(rows.count == B && source.C == C && source.nLayer == nLayer && source.capacity <= capacity)
        let n = source.length * C
        for l in 0..<nLayer {
            for (dst, src) in rows.enumerated() {
                (keys(layer: l) + dst * capacity * C).update(from: source.keys(layer: l) + src * source.capacity * C, count: n)
                (values(layer: l) + dst * capacity * C).update(from: source.values(layer: l) + src * source.capacity * C, count: n)
            }
        }
        for (dst, src) in rows.enumerated() {
            for r in 0..<source.length { mask[dst * capacity + r] = source.mask[src * source.capacity + r] }
        }
        length = source.length
    }

    /// Keeps only the batch rows listed in `rows`, in that order (beam search reorders beams).
    /// Positions before `fromPosition` are taken to be equal in every row that moves (beams of
    /// one prompt share its prefix and prompt), so only later ones are copied, and only rows
    /// that change move.
    public func reorder(rows: [Int], fromPosition p0: Int = 0) {
        precondition(rows.count == B && p0 <= length)
        let moving = (0..<B).filter { rows[$0] != $0 }
        guard !moving.isEmpty else { return }
        let n = capacity * C, used = (length - p0) * C
        let sources = Array(Set(moving.map { rows[$0] })).sorted()
        let slot = Dictionary(uniqueKeysWithValues: sources.enumerated().map { ($1, $0) })
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, sources.count * used))
        defer { tmp.deallocate() }
        for arena in [keys, values] {
            for l in 0..<nLayer {
                let base = arena[l * B * n] + p0 * C
                for (k, src) in sources.enumerated() { (tmp + k * used).update(from: base + src * n, count: used) }
                for dst in moving { (base + dst * n).update(from: tmp + slot[rows[dst]]! * used, count: used) }
            }
        }
        let m = [UInt8](UnsafeBufferPointer(start: mask, count: B * capacity))
        for (dst, src) in rows.enumerated() {
            for r in 0..<capacity { mask[dst * capacity + r] = m[src * capacity + r] }
        }
    }
}
