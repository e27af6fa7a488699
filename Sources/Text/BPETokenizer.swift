/// GPT-2's byte-level BPE: pre-tokenise, map each piece's UTF-8 bytes to characters
/// (`ByteLevel`), then apply merges in rank order. Special tokens such as `<|endoftext|>`
/// are matched in the text before anything else, as Hugging Face tokenizers do.
/// Not thread-safe: it memoises pieces it has seen. Give each thread its own.
public final class BPETokenizer {
    /// token string → id
    public let vocab: [String: Int32]
    /// id → token string
    public let tokens: [String]
    /// Merges in rank order, as (left, right) token strings.
    public let merges: [(String, String)]
    public let specialTokens: [String: Int32]

    /// (left id, right id) → (rank, merged id), for merges whose parts and result are tokens.
    private let mergeTable: [UInt64: (rank: Int32, merged: Int32)]
    private let byteIds: [Int32]
    private var cache: [String: [Int32]] = [:]
    private let cacheLimit = 200_000

    public var eosId: Int32 { specialTokens["<|endoftext|>"] ?? Int32(tokens.count - 1) }
    public var vocabSize: Int { tokens.count }

    public init(vocab: [String: Int32], merges: [(String, String)], specialTokens: [String] = ["<|endoftext|>"]) throws {
        self.vocab = vocab
        self.merges = merges
        let maxId = vocab.values.max() ?? -1
        var tokens = [String](repeating: "", count: Int(maxId) + 1)
        for (s, id) in vocab {
            guard id >= 0 else { throw TokenizerError("token '\(s)' has negative id \(id)") }
            tokens[Int(id)] = s
        }
        self.tokens = tokens
        var byteIds = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            let s = String(Character(ByteLevel.byteToScalar[b]))
            guard let id = vocab[s] else {
                throw TokenizerError("vocabulary lacks the byte token '\(s)' (byte \(b)); a byte-level BPE keeps all 256")
            }
            byteIds[b] = id
        }
        self.byteIds = byteIds
        var table: [UInt64: (Int32, Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a], let ib = vocab[b], let im = vocab[a + b] else { continue }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            if table[key] == nil { table[key] = (Int32(rank), im) }
        }
        mergeTable = table
        var special: [String: Int32] = [:]
        for s in specialTokens { if let id = vocab[s] { special[s] = id } }
        self.specialTokens = special
    }

    /// Token ids of `text`.
    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        for (segment, special) in splitSpecial(text) {
            if let special { out.append(special); continue }
            encodeOrdinary(segment, into: &out)
        }
        return out
    }

    /// The text of `ids`; invalid UTF-8 (a token sequence cut inside a character) becomes U+FFFD.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard id >= 0, Int(id) < tokens.count else { continue }
            let t = tokens[Int(id)]
            if specialTokens[t] != nil { bytes.append(contentsOf: Array(t.utf8)); continue }
            for u in t.unicodeScalars {
                if let b = ByteLevel.scalarToByte[u.value] { bytes.append(b) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func splitSpecial(_ text: String) -> [(Substring, Int32?)] {
        guard !specialTokens.isEmpty, specialTokens.keys.contains(where: { text.contains($0) }) else {
            return [(Substring(text), nil)]
        }
        var parts: [(Substring, Int32?)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            var best: (Range<Substring.Index>, Int32)? = nil
            for (s, id) in specialTokens {
                if let r = rest.range(of: s), best == nil || r.lowerBound < best!.0.lowerBound { best = (r, id) }
            }
            guard let (r, id) = best else { parts.append((rest, nil)); break }
            if r.lowerBound > rest.startIndex { parts.append((rest[rest.startIndex..<r.lowerBound], nil)) }
            parts.append((rest[r], id))
            rest = rest[r.upperBound...]
        }
        return parts
    }

    private func encodeOrdinary(_ text: Substring, into out: inout [Int32]) {
        let scalars = Array(text.unicodeScalars)
        var utf8: [UInt8] = []
        for piece in PreTokenizer.split(scalars) {
            var key = String.UnicodeScalarView()
            key.append(contentsOf: scalars[piece])
            let word = String(key)
            if let ids = cache[word] { out.append(contentsOf: ids); continue }
            utf8.removeAll(keepingCapacity: true)
            utf8.append(contentsOf: word.utf8)
            let ids = bpe(utf8)
            if cache.count < cacheLimit { cache[word] = ids }
            out.append(contentsOf: ids)
        }
    }

    /// Applies the merges to one piece: repeatedly merge every occurrence of the
    /// lowest-ranked adjacent pair, left to right, as GPT-2's reference code does.
    private func bpe(_ bytes: [UInt8]) -> [Int32] {
        var word = bytes.map { byteIds[Int($0)] }
        while word.count > 1 {
            var bestRank = Int32.max, bestMerged: Int32 = -1, bestLeft: Int32 = -1, bestRight: Int32 = -1
            for i in 0..<(word.count - 1) {
                let key = UInt64(UInt32(word[i])) << 32 | UInt64(UInt32(word[i + 1]))
                if let m = mergeTable[key], m.rank < bestRank {
                    bestRank = m.rank; bestMerged = m.merged; bestLeft = word[i]; bestRight = word[i + 1]
                }
            }
            if bestMerged < 0 { break }
            var merged: [Int32] = []
            merged.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i + 1 < word.count, word[i] == bestLeft, word[i + 1] == bestRight {
                    merged.append(bestMerged); i += 2
                } else {
                    merged.append(word[i]); i += 1
                }
            }
            word = merged
        }
        return word
    }
}

/// A tokenizer file that cannot be used; the message names the file and what is wrong.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
