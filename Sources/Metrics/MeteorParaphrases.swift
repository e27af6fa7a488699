/// METEOR 1.5's paraphrase table (paraphrase-en.gz: entries of three lines, a probability,
/// a phrase, its paraphrase) as the jar's transducer holds it: a trie over the phrases'
/// words whose nodes list, in file order, the paraphrases that a phrase ending there has.
///
/// Only entries whose every word is in `vocabulary` are kept: the English table has 5.3
/// million entries, and one with any other word can match no span of the texts being
/// scored. The kept entries keep their order, which decides ties in the alignment search.
public struct MeteorParaphrases: Sendable {
    struct Node: Sendable { var next: [Int32: Int32] = [:], emits: [Int32] = [] }
    var nodes = [Node()]
    var paraphrases: [[Int32]] = []
    var ids: [String: Int32] = [:]

    public var count: Int { paraphrases.count }

    public static let maxInflatedBytes = 2 << 30

    public init(gzipPath: String, vocabulary: Set<String>) throws {
        let keep = ByteWords(vocabulary)
        var line: [UInt8] = [], lineNumber = 0
        // Most phrases have a word outside the vocabulary: the first pass stops there without
        // allocating; only a phrase of known words gets its ids.
        func words(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) -> Bool {
            out.removeAll(keepingCapacity: true)
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || bytes[i] == 0x0C {
                if i > start {
                    guard let id = keep.id(UnsafeBufferPointer(rebasing: bytes[start..<i])) else { return false }
                    out.append(id)
                }
                start = i + 1
            }
            return true
        }
        var table = MeteorParaphrases()
        var phrase: [Int32] = [], paraphrase: [Int32] = [], phraseKnown = false
        func endLine() {
            lineNumber += 1
            // Line 1 of an entry is its probability, which the scorer does not use.
            switch lineNumber % 3 {
            case 2: phraseKnown = line.withUnsafeBufferPointer { words($0, into: &phrase) }
            case 0:
                if phraseKnown && !phrase.isEmpty && line.withUnsafeBufferPointer({ words($0, into: &paraphrase) }) {
                    table.add(phrase, paraphrase)
                }
            default: break
            }
            line.removeAll(keepingCapacity: true)
        }
        try Inflate.gzip(path: gzipPath, maxBytes: Self.maxInflatedBytes) { chunk in
            var start = 0
            for i in 0..<chunk.count where chunk[i] == 0x0A {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<i]))
                endLine()
                start = i + 1
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start...]))
        }
        if !line.isEmpty { endLine() }
        guard lineNumber % 3 == 0 else {
            throw Inflate.Failure(description: "\(gzipPath): \(lineNumber) lines, not whole entries of three (probability, phrase, paraphrase)")
        }
        table.ids = Dictionary(uniqueKeysWithValues: keep.words.enumerated().map { (String(decoding: $0.element, as: UTF8.self), Int32($0.offset)) })
        self = table
    }

    init() {}

    mutating func add(_ phrase: [Int32], _ paraphrase: [Int32]) {
        var node = 0
        for w in phrase {
            if let n = nodes[node].next[w] { node = Int(n); continue }
            nodes.append(Node())
            nodes[node].next[w] = Int32(nodes.count - 1)
            node = nodes.count - 1
        }
        nodes[node].emits.append(Int32(paraphrases.count))
        paraphrases.append(paraphrase)
    }

    /// A word's id, -1 for one no kept entry has.
    func id(_ word: String) -> Int32 { ids[word] ?? -1 }

    /// The phrases starting at `start` of `line`: (length, paraphrase index), shortest first,
    /// in file order for one length.
    func phrases(in line: [Int32], from start: Int) -> [(length: Int, paraphrase: Int)] {
        var out: [(Int, Int)] = []
        var node = 0
        for i in start..<line.count {
            guard let n = nodes[node].next[line[i]] else { break }
            node = Int(n)
            for e in nodes[node].emits { out.append((i - start + 1, Int(e))) }
        }
        return out
    }
}

/// The scored texts' words by their UTF-8 bytes, looked up without making a String (or an
/// Array) for each of the table's ~50 million words: open addressing on FNV-1a.
struct ByteWords {
    let words: [[UInt8]]
    var slots: [Int32]
    let mask: Int

    init(_ vocabulary: Set<String>) {
        words = vocabulary.sorted().map { Array($0.utf8) }
        var size = 16
        while size < 2 * words.count { size *= 2 }
        mask = size - 1
        slots = [Int32](repeating: -1, count: size)
        for (i, w) in words.enumerated() {
            var s = w.withUnsafeBufferPointer { Self.hash($0) } & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(i)
        }
    }

    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h >> 1)
    }

    func id(_ b: UnsafeBufferPointer<UInt8>) -> Int32? {
        var s = Self.hash(b) & mask
        while slots[s] >= 0 {
            let i = Int(slots[s])
            if words[i].count == b.count && words[i].withUnsafeBufferPointer({ $0.elementsEqual(b) }) { return Int32(i) }
            s = (s + 1) & mask
        }
        return nil
    }
}
