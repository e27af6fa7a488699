import Screen
/// Dataset and output values the shell loads from disk for the workbench to show. Plain
/// values: the workbench never touches files or the engine.
public struct DatasetView: Sendable, Equatable {
    public struct Example: Sendable, Equatable {
        public var id: String, source: String, references: [String], raw: String
        public var category: String?, seen: Bool?
        public var sourceTokens: Int, targetTokens: [Int]
        public init(id: String, source: String, references: [String], raw: String, category: String? = nil, seen: Bool? = nil,
                    sourceTokens: Int = 0, targetTokens: [Int] = []) {
            self.id = id; self.source = source; self.references = references; self.raw = raw
            self.category = category; self.seen = seen; self.sourceTokens = sourceTokens; self.targetTokens = targetTokens
        }
    }
    /// Display name: dataset and split, e.g. "e2e · train".
    public var name: String
    public var path: String
    public var format: String
    public var examples: [Example]
    /// Lines of the dataset summary (counts, length statistics).
    public var summary: [String]
    public init(name: String, path: String, format: String, examples: [Example], summary: [String]) {
        self.name = name; self.path = path; self.format = format; self.examples = examples; self.summary = summary
    }
    public var categories: [String] { Array(Set(examples.compactMap(\.category))).sorted() }
}

/// One run's output for one example, with its per-example scores and the word positions found
/// in no reference (what the Compare screen underlines).
public struct OutputView: Sendable, Equatable {
    public var text: String
    public var bleu: Double
    public var rougeL: Double
    public var novelWords: Set<Int>
    /// A summary's rouge-score ROUGE-1, ROUGE-2, ROUGE-L (stemmed), as fractions; nil for other tasks.
    public var rouge: [Double]?
    /// An E2E output's slot errors: the MR's values it misses (`riverside (area)`) and the
    /// positions of its words that state an added or wrong value; nil where the source is no E2E MR.
    public var slots: SlotErrorView?
    public init(text: String, bleu: Double, rougeL: Double, novelWords: Set<Int>, rouge: [Double]? = nil, slots: SlotErrorView? = nil) {
        self.text = text; self.bleu = bleu; self.rougeL = rougeL; self.novelWords = novelWords; self.rouge = rouge; self.slots = slots
    }

    /// The score a summary or a data-to-text output is judged by first (ROUGE-2, as XSUM papers
    /// rank; BLEU ×100 otherwise), on the 0–100 scale.
    public var primary: Double { rouge.map { 100 * $0[1] } ?? bleu }
    /// Its scores as the Compare screen prints them under it.
    public var scoreLine: String {
        guard let r = rouge else { return "BLEU \(fmt(bleu, 1))  ROUGE-L \(fmt(rougeL, 2))" }
        return "R-1 \(fmt(100 * r[0], 1))  R-2 \(fmt(100 * r[1], 1))  R-L \(fmt(100 * r[2], 1))"
    }
}

public struct SlotErrorView: Sendable, Equatable {
    public var missing: [String]
    public var added: [String]
    public var addedWords: Set<Int>
    /// Errors (missing + added + wrong + repeated) of the MR's values.
    public var errors: Int
    public var mrValues: Int
    public init(missing: [String], added: [String], addedWords: Set<Int>, errors: Int, mrValues: Int) {
        self.missing = missing; self.added = added; self.addedWords = addedWords; self.errors = errors; self.mrValues = mrValues
    }
}

/// The test examples of a group with every run's outputs, keyed by run id.
public struct CompareExample: Sendable, Equatable {
    public var source: String
    public var references: [String]
    public var outputs: [String: OutputView]
    public init(source: String, references: [String], outputs: [String: OutputView]) {
        self.source = source; self.references = references; self.outputs = outputs
    }
}
