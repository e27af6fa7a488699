import Text
import Foundation
import JSON
import Kernels
import Models
import Support

public struct TokenizeBench {
    public var data: String
    public var tokenizer = "../shared/tokenizers/gpt2"
    public init(data: String) { self.data = data }
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        var lines: [String] = []
        var bytes = 0
        guard let walker = FileManager.default.enumerator(atPath: data) else { throw BenchError("\(data): no such folder") }
        for case let rel as String in walker where [".csv", ".xml", ".txt", ".jsonl"].contains(where: rel.hasSuffix) {
            guard let raw = FileManager.default.contents(atPath: data + "/" + rel) else { continue }
            for line in raw.split(separator: 0x0A, omittingEmptySubsequences: false) {
                lines.append(String(decoding: line, as: UTF8.self))
                bytes += line.count + 1
            }
        }
        guard bytes > 0 else { throw BenchError("\(data): no text files found") }
        // A fresh tokenizer per pass: the first pass pays for filling the piece cache.
        var passes: [(Double, Int)] = []
        for _ in 0..<3 {
            let tok = try TokenizerFiles.load(folder: tokenizer)
            let t0 = now()
            var count = 0
            for l in lines { count += tok.encode(l).count }
            passes.append((now() - t0, count))
        }
        let best = passes.map(\.0).min()!
        let mbs = Double(bytes) / best / 1e6
        out(String(format: "tokenize: %d lines, %.1f MB, %d tokens: %.2f MB/s on one thread (%.0f tokens/s; cold cache, best of 3)",
                     lines.count, Double(bytes) / 1e6, passes[0].1, mbs, Double(passes[0].1) / best))
        if json {
            out(JSONValue.object([("mb_per_s", .number((mbs * 100).rounded() / 100)), ("lines", .number(Double(lines.count))),
                                    ("tokens", .number(Double(passes[0].1)))]).serialized)
        }
    }
}
