import Foundation
import JSON
import Support

/// A smaller byte-level BPE for a corpus: the tokens the corpus uses, all 256 byte tokens (so
/// any text still encodes), the special tokens, and — recursively — both parts of every kept
/// merge, with the merges whose result is kept, in their original order. Every corpus text
/// encodes to the same token strings as with the full vocabulary: the only merges dropped are
/// ones whose result never appears, not even as a step toward a kept token.
public enum TokenizerPruning {
    public static func prune(_ full: BPETokenizer, corpus: [String]) -> (vocab: [String: Int32], merges: [(String, String)]) {
        var keep = Set<String>()
        for line in corpus { for id in full.encode(line) { keep.insert(full.tokens[Int(id)]) } }
        for b in 0..<256 { keep.insert(String(Character(ByteLevel.byteToScalar[b]))) }
        for s in full.specialTokens.keys { keep.insert(s) }
        // Parts of kept merge results, down to bytes (later merges build on earlier ones).
        for (a, b) in full.merges.reversed() where keep.contains(a + b) {
            keep.insert(a)
            keep.insert(b)
        }
        let merges = full.merges.filter { keep.contains($0.0 + $0.1) && keep.contains($0.0) && keep.contains($0.1) }
        // New ids in the old order, so the special token stays last as in GPT-2.
        let ordered = full.tokens.enumerated().filter { keep.contains($0.element) && !$0.element.isEmpty }.map(\.element)
        var vocab: [String: Int32] = [:]
        for (i, t) in ordered.enumerated() { vocab[t] = Int32(i) }
        return (vocab, merges)
    }
}

extension TokenizerPruning {
    /// Prunes for the corpus lines, writes vocab.json + merges.txt into `out`, and checks the
    /// one thing that matters: every corpus line encodes to the same token strings.
    public static func write(_ full: BPETokenizer, corpus lines: [String], to out: String) throws -> (tokens: Int, merges: Int) {
        let (vocab, merges) = prune(full, corpus: lines)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let ordered = vocab.sorted { $0.value < $1.value }
        try AtomicFile.write(Data(JSONValue.object(ordered.map { ($0.key, .number(Double($0.value))) }).serialized.utf8), to: out + "/vocab.json")
        try AtomicFile.write(Data(("#version: 0.2\n" + merges.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n").utf8), to: out + "/merges.txt")
        let pruned = try TokenizerFiles.load(folder: out)
        for (n, line) in lines.enumerated() {
            let a = full.encode(line).map { full.tokens[Int($0)] }, b = pruned.encode(line).map { pruned.tokens[Int($0)] }
            guard a == b else { throw TokenizerError("corpus line \(n + 1) encodes differently after pruning (a bug): \(Escaped(line))") }
        }
        return (vocab.count, merges.count)
    }

    /// The lines of each corpus: a .txt file's lines, or a dataset spec's sources and references
    /// (as " " + reference, as targets are encoded).
    public static func corpusLines(_ corpus: [String]) throws -> [String] {
        var lines: [String] = []
        for c in corpus {
            if c.hasSuffix(".txt") { lines += TextFile.lines(try TextFile.read(c)).filter { !$0.isEmpty } }
            else { lines += try DatasetSpec.load(c).examples.flatMap { [$0.source] + $0.references.map { " " + $0 } } }
        }
        return lines
    }
}
