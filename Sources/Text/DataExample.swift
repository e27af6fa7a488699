/// One example of a data-to-text dataset: the linearised source the model reads, every
/// reference, and the record as the dataset wrote it.
public struct DataExample: Sendable, Equatable {
    /// Stable within its file: E2E row number, WebNLG `category/eid`, DART index, JSONL line.
    public var id: String
    public var source: String
    public var references: [String]
    /// The record before linearisation (E2E MR, WebNLG triples one per line, a document).
    public var raw: String
    /// WebNLG/DART category, if any.
    public var category: String?
    /// WebNLG: whether the category is one of the 10 seen in training (nil elsewhere).
    public var seen: Bool?

    public init(id: String, source: String, references: [String], raw: String, category: String? = nil, seen: Bool? = nil) {
        self.id = id; self.source = source; self.references = references; self.raw = raw
        self.category = category; self.seen = seen
    }

    /// One (source, target) training pair per reference.
    public var pairs: [SourceTargetPair] { references.map { SourceTargetPair(source: source, target: $0) } }
}

extension DataExample {
    /// Examples with the same source as one example with all their references, in the order
    /// sources first appear; the first's id, record and category are kept. Real releases do not
    /// keep a source's references together (the cleaned E2E data lists an MR in several
    /// places), so every reader groups over the whole file, not only consecutive rows.
    public static func grouped(_ examples: [DataExample]) -> [DataExample] {
        var index: [String: Int] = [:]
        var out: [DataExample] = []
        out.reserveCapacity(examples.count)
        for e in examples {
            if let i = index[e.source] { out[i].references += e.references; continue }
            index[e.source] = out.count
            out.append(e)
        }
        return out
    }
}

/// A dataset: its examples and where they came from.
public struct Dataset: Sendable {
    public var name: String
    public var format: String
    public var examples: [DataExample]
    public init(name: String, format: String, examples: [DataExample]) {
        self.name = name; self.format = format; self.examples = examples
    }
    public var pairs: [SourceTargetPair] { examples.flatMap(\.pairs) }
}
