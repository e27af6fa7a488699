import ArgumentParser
import Foundation
import JSON
import Metrics
import Text

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score outputs with the E2E challenge's metrics (BLEU, NIST, METEOR, ROUGE-L, CIDEr) and sacreBLEU.",
        discussion: """
        FILE has one output per unique source, in first-appearance order (the E2E evaluation format).
        BLEU and NIST equal mteval-v13a's, ROUGE-L and CIDEr the MS-COCO evaluation's (PTB tokenisation),
        sacreBLEU its default corpus BLEU. METEOR is an approximation (exact matches only), labelled so.
        """
    )
    @Option(help: "Outputs, one per line.") var hyp: String
    @Option(help: "Dataset spec of the references (e.g. an E2E CSV, a WebNLG folder:split).") var refs: String
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(name: .customLong("rouge-stem"), help: "rouge-score's Porter stemmer for ROUGE-1/2/L (summarisation).") var rougeStem = false

    func run() throws {
        let data = try DatasetSpec.load(refs)
        let lines = TextFile.lines(try TextFile.read(hyp)).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count == data.examples.count else {
            throw CLIError("\(hyp): \(lines.count) lines, but \(refs) has \(data.examples.count) unique sources; one output per source is expected")
        }
        let refsList = data.examples.map(\.references)
        if let empty = refsList.firstIndex(where: \.isEmpty) {
            throw CLIError("\(refs): example \(data.examples[empty].id) has no reference")
        }
        let m = E2EMetrics.compute(hypotheses: lines, references: refsList)
        let rs = RougeScore.corpus(hypotheses: lines, references: refsList, stem: rougeStem)
        let slots = SlotCoverage.compute(sources: data.examples.map(\.source), outputs: lines)
        if json {
            print(JSONValue.object([
                ("BLEU", .number(m.bleu)), ("NIST", .number(m.nist)), ("METEOR", .number(m.meteor)),
                ("ROUGE_L", .number(m.rougeL)), ("CIDEr", .number(m.cider)), ("sacreBLEU", .number(m.sacreBLEU)),
                ("rouge1", .number(rs.rouge1)), ("rouge2", .number(rs.rouge2)), ("rougeL", .number(rs.rougeL)),
                ("rouge_stemmer", .bool(rougeStem)),
                ("slot_accuracy", .number(slots.slotAccuracy)), ("name_accuracy", .number(slots.nameAccuracy)),
                ("distinct_outputs", .number(Double(slots.distinctOutputs))),
                ("METEOR_note", .string(MeteorApprox.label)), ("n", .number(Double(lines.count))),
            ]).serialized)
        } else {
            print(String(format: "BLEU: %.4f\nNIST: %.4f\nMETEOR: %.4f   (%@)\nROUGE_L: %.4f\nCIDEr: %.4f\nsacreBLEU: %.2f",
                         m.bleu, m.nist, m.meteor, MeteorApprox.label, m.rougeL, m.cider, m.sacreBLEU))
            print(String(format: "rouge-score%@: ROUGE-1 %.4f  ROUGE-2 %.4f  ROUGE-L %.4f", rougeStem ? " (stemmed)" : "", rs.rouge1, rs.rouge2, rs.rougeL))
            print(String(format: "slot accuracy %.3f  name right %.3f  distinct outputs %d of %d", slots.slotAccuracy, slots.nameAccuracy, slots.distinctOutputs, lines.count))
        }
    }
}
