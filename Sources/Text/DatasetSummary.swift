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
