import Foundation
import JSON
import Models
import Text
import Tuning

/// `prefixlab inspect prefix`: what a run's virtual rows resemble in the model's own terms.
/// - virtual tokens (embedding-only): the vocabulary tokens whose input embeddings are nearest
///   (cosine) to each virtual token;
/// - prefix and infix rows: per layer and position, the tokens whose own key at that layer (the
///   token alone at position 0, through the frozen model) is nearest (cosine) to the row's key;
/// - a run initialised from words: how far each position moved from its initial rows (those the
///   method's own initialisation makes from the run's seed and words, folded as decoding reads
///   them), by cosine and distance.
public struct PrefixInspection: Sendable {
    public struct Neighbour: Sendable, Equatable {
        public let id: Int32, token: String, cosine: Float
    }
    public struct Movement: Sendable, Equatable {
        public let position: Int
        /// The word token this position started from.
        public let word: String
        /// Cosine between the start and the trained rows; their distance, and that over the start's norm.
        public let cosine: Float, distance: Float, relative: Float
    }

    public let run: String
    public let method: String
    /// "virtual tokens", "prefix" or "infix".
    public let kind: String
    public let rows: Int
    public let initialization: String
    /// Virtual tokens: nearest[position]; key rows: nearest[layer][position] (flattened as layer·P + position).
    public let nearest: [[Neighbour]]
    public let layers: Int
    public let moved: [Movement]?

    /// The neighbours of row `position` (and `layer` for key rows).
    public func neighbours(layer: Int = 0, position: Int) -> [Neighbour] { nearest[layer * rows + position] }

    public static func inspect(runDir: String, top: Int = 5, progress: ((Int, Int) -> Void)? = nil) throws -> PrefixInspection {
        let record = try RunRecord.read(runDir)
        let method = try MethodRegistry.method(record.spec.method)
        let setup = try RunDecoding.setup(runDir: runDir)
        let c = setup.conditioning
        let id = (runDir as NSString).lastPathComponent
        guard c.prefix != nil || c.embeddings != nil || c.infix != nil else {
            throw JobError("\(runDir): a \(method.name) run has no virtual rows to inspect (inspect prefix reads prefix, infix and embedding runs)")
        }
        let lm = try LoadedModel.load(setup.modelFolder)
        let s = lm.model.shape, C = s.width, L = s.layers
        let vocab = min(lm.tokenizer.vocabSize, s.vocabSize)
        let text = { (i: Int32) in lm.tokenizer.decode([i]) }
        let kind: String, P: Int, values: [Float]
        var nearest: [[Neighbour]]
        if let e = c.embeddings {
            kind = "virtual tokens"; P = c.embeddingRows; values = e
            var tops = [TopK](repeating: TopK(k: top), count: P)
            let rows = (0..<P).map { normalized(Array(e[($0 * C)..<(($0 + 1) * C)])) }
            for v in 0..<vocab {
                let w = normalized(Array(UnsafeBufferPointer(start: lm.model.tokenEmbedding(Int32(v)), count: C)))
                for p in 0..<P { tops[p].offer(Int32(v), dot(rows[p], w)) }
                if v % 4096 == 4095 { progress?(v + 1, vocab) }
            }
            nearest = tops.map { $0.sorted.map { Neighbour(id: $0.0, token: text($0.0), cosine: $0.1) } }
        } else {
            kind = c.prefix != nil ? "prefix" : "infix"
            P = c.prefix != nil ? c.prefixRows : c.infixRowCount
            values = c.prefix ?? c.infix!
            // Row p's key at layer l sits at columns 2l·C of its (2·L·C) row.
            let keys = (0..<L).map { l in (0..<P).map { p in normalized(Array(values[(p * 2 * L * C + 2 * l * C)..<(p * 2 * L * C + 2 * l * C + C)])) } }
            var tops = [TopK](repeating: TopK(k: top), count: L * P)
            let chunk = 256
            let cache = lm.model.makeCache(batch: chunk, capacity: 1)
            for start in stride(from: 0, to: vocab, by: chunk) {
                let n = min(chunk, vocab - start)
                let ids = (0..<chunk).map { Int32(start + min($0, n - 1)) }
                cache.reset()
                _ = lm.model.forward(tokens: ids, positions: [Int32](repeating: 0, count: chunk), B: chunk, T: 1, cache: cache)
                for l in 0..<L {
                    let k = cache.keys(layer: l)
                    for b in 0..<n {
                        let w = normalized(Array(UnsafeBufferPointer(start: k + b * C, count: C)))
                        for p in 0..<P { tops[l * P + p].offer(Int32(start + b), dot(keys[l][p], w)) }
                    }
                }
                progress?(start + n, vocab)
            }
            nearest = tops.map { $0.sorted.map { Neighbour(id: $0.0, token: text($0.0), cosine: $0.1) } }
        }
        let initialization = (record.spec.method.options["init"]?.text) ?? "random"
        var moved: [Movement]? = nil
        if initialization.hasPrefix("words:") {
            // The start, as the run's own initialisation made it (same seed, same words).
            let state = method.makeState(for: lm.model)
            try state.initialize(seed: record.spec.training.seed, encode: lm.tokenizer.encode)
            state.prepare(step: nil, seed: record.spec.training.seed)
            let start = state.currentConditioning()
            let initial = start.prefix ?? start.embeddings ?? start.infix ?? []
            let words = lm.tokenizer.encode(String(initialization.dropFirst("words:".count)))
            let width = values.count / P
            guard initial.count == values.count, !words.isEmpty else { throw JobError("\(runDir): its initialisation does not match its checkpoint's \(P) rows") }
            moved = (0..<P).map { p in
                let a = Array(initial[(p * width)..<((p + 1) * width)]), b = Array(values[(p * width)..<((p + 1) * width)])
                let d = zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                let na = a.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
                return Movement(position: p, word: text(words[p % words.count]), cosine: dot(normalized(a), normalized(b)),
                                distance: d, relative: na > 0 ? d / na : 0)
            }
        }
        return PrefixInspection(run: id, method: method.name, kind: kind, rows: P, initialization: initialization, nearest: nearest,
                                layers: kind == "virtual tokens" ? 1 : L, moved: moved)
    }

    public var json: JSONValue {
        func n(_ x: Neighbour) -> JSONValue { .object([("token", .string(x.token)), ("id", .number(Double(x.id))), ("cosine", .number(Double(x.cosine)))]) }
        var fields: [(String, JSONValue)] = [("run", .string(run)), ("method", .string(method)), ("kind", .string(kind)),
                                             ("rows", .number(Double(rows))), ("init", .string(initialization))]
        if kind == "virtual tokens" {
            fields.append(("positions", .array((0..<rows).map { p in .object([("position", .number(Double(p))), ("nearest", .array(neighbours(position: p).map(n)))]) })))
        } else {
            fields.append(("layers", .array((0..<layers).map { l in
                .object([("layer", .number(Double(l))), ("positions", .array((0..<rows).map { p in
                    .object([("position", .number(Double(p))), ("nearest", .array(neighbours(layer: l, position: p).map(n)))]) }))])
            })))
        }
        if let moved {
            fields.append(("moved", .array(moved.map { m in
                .object([("position", .number(Double(m.position))), ("word", .string(m.word)), ("cosine", .number(Double(m.cosine))),
                         ("distance", .number(Double(m.distance))), ("relative", .number(Double(m.relative)))])
            })))
        }
        return .object(fields)
    }
}

/// The k best (id, score) pairs seen, best first.
struct TopK {
    let k: Int
    private(set) var sorted: [(Int32, Float)] = []
    init(k: Int) { self.k = k }
    mutating func offer(_ id: Int32, _ score: Float) {
        if sorted.count == k, let worst = sorted.last, score <= worst.1 { return }
        var i = sorted.count
        while i > 0 && sorted[i - 1].1 < score { i -= 1 }
        sorted.insert((id, score), at: i)
        if sorted.count > k { sorted.removeLast() }
    }
}

private func normalized(_ v: [Float]) -> [Float] {
    let n = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    return n > 0 ? v.map { $0 / n } : v
}

private func dot(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for i in a.indices { s += a[i] * b[i] }
    return s
}
