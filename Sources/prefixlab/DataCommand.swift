import ArgumentParser
import Foundation
import JSON
import Text

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Summarise a dataset: examples, references per example, length statistics, categories."
    )
    @Argument(help: "Dataset spec (file or folder[:split]).") var spec: String
    @Option(help: "Tokenizer folder (a model folder): lengths in its tokens instead of words.") var tokenizer: String?
    @Flag var json = false

    func run() throws {
        let d = try DatasetSpec.load(spec)
        let tok = try tokenizer.map { try TokenizerFiles.load(folder: $0) }
        let s = DatasetSummary(d, tokenize: tok.map { t in { t.encode($0).count } })
        func stats(_ x: DatasetSummary.Stats) -> JSONValue {
            .object([("mean", .number((x.mean * 100).rounded() / 100)), ("median", .number(Double(x.median))),
                     ("p95", .number(Double(x.p95))), ("min", .number(Double(x.min))), ("max", .number(Double(x.max)))])
        }
        if json {
            print(JSONValue.object([
                ("name", .string(d.name)), ("format", .string(d.format)), ("examples", .number(Double(s.examples))),
                ("references", .number(Double(s.references))), ("references_per_example", stats(s.referencesPerExample)),
                ("unit", .string(s.unit)), ("source_length", stats(s.sourceLength)), ("target_length", stats(s.targetLength)),
                ("categories", .array(s.categories.map { c in
                    .object([("name", .string(c.name)), ("examples", .number(Double(c.count)))] + (c.seen.map { [("seen", .bool($0))] } ?? []))
                })),
            ]).serialized)
            return
        }
        func line(_ x: DatasetSummary.Stats) -> String {
            String(format: "mean %.1f  median %d  p95 %d  min %d  max %d", x.mean, x.median, x.p95, x.min, x.max)
        }
        print("\(d.name) (\(d.format)): \(s.examples) examples, \(s.references) references")
        print("references per example: " + line(s.referencesPerExample))
        print("source \(s.unit):  " + line(s.sourceLength))
        print("target \(s.unit):  " + line(s.targetLength))
        if !s.categories.isEmpty {
            print("categories: " + s.categories.map { "\($0.name) \($0.count)\($0.seen == false ? " (unseen)" : "")" }.joined(separator: ", "))
        }
    }
}
