import Foundation
import JSON

/// What a researcher checks first about a dataset: sizes, references per example, length
/// statistics of sources and targets, categories.
public struct DatasetSummary: Sendable {
    public struct Stats: Sendable, Equatable {
        public var mean: Double, median: Int, p95: Int, max: Int, min: Int
        init(_ xs: [Int]) {
            let s = xs.sorted()
            mean = s.isEmpty ? 0 : Double(s.reduce(0, +)) / Double(s.count)
            median = s.isEmpty ? 0 : s[s.count / 2]
            p95 = s.isEmpty ? 0 : s[Swift.min(s.count - 1, Swift.max(0, Int((Double(s.count) * 0.95).rounded(.up)) - 1))]
            self.max = s.last ?? 0
            self.min = s.first ?? 0
        }
    }

    public var examples: Int
    public var references: Int
    public var referencesPerExample: Stats
    public var sourceLength: Stats
    public var targetLength: Stats
    /// (category, examples, seen) sorted by name; seen is nil where the dataset has no notion of it.
    public var categories: [(name: String, count: Int, seen: Bool?)]
    /// What lengths count: "tokens" with a tokenizer, else "words".
    public var unit: String

    public init(_ d: Dataset, tokenize: ((String) -> Int)? = nil) {
        let count = tokenize ?? { $0.split(whereSeparator: { $0.isWhitespace }).count }
        examples = d.examples.count
        references = d.examples.reduce(0) { $0 + $1.references.count }
        referencesPerExample = Stats(d.examples.map(\.references.count))
        sourceLength = Stats(d.examples.map { count($0.source) })
        targetLength = Stats(d.examples.flatMap { $0.references.map { count(" " + $0) } })
        var cats: [String: (Int, Bool?)] = [:]
        for e in d.examples { if let c = e.category { cats[c] = ((cats[c]?.0 ?? 0) + 1, e.seen) } }
        categories = cats.keys.sorted().map { ($0, cats[$0]!.0, cats[$0]!.1) }
        unit = tokenize == nil ? "words" : "tokens"
    }
}

extension DatasetSummary {
    static func json(_ x: Stats) -> JSONValue {
        .object([("mean", .number((x.mean * 100).rounded() / 100)), ("median", .number(Double(x.median))),
                 ("p95", .number(Double(x.p95))), ("min", .number(Double(x.min))), ("max", .number(Double(x.max)))])
    }

    /// `prefixlab data --json`.
    public func json(name: String, format: String) -> JSONValue {
        .object([
            ("name", .string(name)), ("format", .string(format)), ("examples", .number(Double(examples))),
            ("references", .number(Double(references))), ("references_per_example", Self.json(referencesPerExample)),
            ("unit", .string(unit)), ("source_length", Self.json(sourceLength)), ("target_length", Self.json(targetLength)),
            ("categories", .array(categories.map { c in
                .object([("name", .string(c.name)), ("examples", .number(Double(c.count)))] + (c.seen.map { [("seen", .bool($0))] } ?? []))
            })),
        ])
    }

    /// `prefixlab data`: the summary as lines.
    public func lines(name: String, format: String) -> [String] {
        func line(_ x: Stats) -> String { String(format: "mean %.1f  median %d  p95 %d  min %d  max %d", x.mean, x.median, x.p95, x.min, x.max) }
        var out = ["\(name) (\(format)): \(examples) examples, \(references) references", "references per example: " + line(referencesPerExample),
                   "source \(unit):  " + line(sourceLength), "target \(unit):  " + line(targetLength)]
        if !categories.isEmpty {
            out.append("categories: " + categories.map { "\($0.name) \($0.count)\($0.seen == false ? " (unseen)" : "")" }.joined(separator: ", "))
        }
        return out
    }
}
