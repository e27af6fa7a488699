import Foundation
import JSON
import Metrics
import Text

/// `prefixlab score`: a file of outputs against a dataset's references, with the E2E
/// challenge's metrics, sacreBLEU, rouge-score's ROUGE, slot coverage and, for E2E, slot errors.
public enum ScoreReport {
    public struct Result {
        public var json: JSONValue
        public var text: String
    }

    /// FILE has one output per unique source, in first-appearance order (the E2E format).
    /// `meteorData`: METEOR 1.5's resources (`--meteor-data`); nil looks for them (MeteorChoice).
    public static func score(hyp: String, refs: String, rougeStem: Bool, meteorData: String? = nil) throws -> Result {
        let data = try DatasetSpec.load(refs)
        let lines = TextFile.lines(try TextFile.read(hyp)).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count == data.examples.count else {
            throw JobError("\(hyp): \(lines.count) lines, but \(refs) has \(data.examples.count) unique sources; one output per source is expected")
        }
        let refsList = data.examples.map(\.references)
        if let empty = refsList.firstIndex(where: \.isEmpty) { throw JobError("\(refs): example \(data.examples[empty].id) has no reference") }
        let m = try MeteorChoice.metrics(hypotheses: lines, references: refsList, explicit: meteorData)
        let rs = RougeScore.corpus(hypotheses: lines, references: refsList, stem: rougeStem)
        let slots = SlotCoverage.compute(sources: data.examples.map(\.source), outputs: lines)
        let split = SplitScores.bleu(examples: data.examples, outputs: lines)
        let ser = SlotErrors.corpus(sources: data.examples.map(\.source), outputs: lines)
        let json = JSONValue.object(split.map { ($0.0, .number($0.1)) } + (ser?.jsonPairs ?? []) + [
            ("BLEU", .number(m.bleu)), ("NIST", .number(m.nist)), ("METEOR", .number(m.meteor)),
            ("ROUGE_L", .number(m.rougeL)), ("CIDEr", .number(m.cider)), ("sacreBLEU", .number(m.sacreBLEU)),
            ("rouge1", .number(rs.rouge1)), ("rouge2", .number(rs.rouge2)), ("rougeL", .number(rs.rougeL)),
            ("rouge_stemmer", .bool(rougeStem)),
            ("slot_accuracy", .number(slots.slotAccuracy)), ("name_accuracy", .number(slots.nameAccuracy)),
            ("distinct_outputs", .number(Double(slots.distinctOutputs))),
            ("METEOR_note", .string(m.meteorNote)), ("METEOR_official", .bool(m.meteorIsOfficial)), ("n", .number(Double(lines.count))),
            ("scales", .string("as e2e-metrics prints them: BLEU, METEOR, ROUGE_L, CIDEr as fractions (BLEU 0-1; the text output and the workbench print BLEU ×100), NIST and sacreBLEU on their own scales")),
        ])
        // BLEU on 0-100, as the paper and the workbench print it; --json keeps the e2e-metrics
        // names and scales (BLEU 0-1), as its "scales" key says.
        let meteorLine = m.meteorIsOfficial ? String(format: "METEOR: %.4f   (%@)", m.meteor, m.meteorNote)
            : String(format: "METEOR~: %.4f   (%@)", m.meteor, m.meteorNote.replacingOccurrences(of: MeteorApprox.label, with: MeteorApprox.note))
        let text = String(format: "BLEU: %.2f\nNIST: %.4f\n%@\nROUGE_L: %.4f\nCIDEr: %.4f\nsacreBLEU: %.2f\n",
                          m.bleu * 100, m.nist, meteorLine, m.rougeL, m.cider, m.sacreBLEU)
            + String(format: "rouge-score%@: ROUGE-1 %.4f  ROUGE-2 %.4f  ROUGE-L %.4f\n", rougeStem ? " (stemmed)" : "", rs.rouge1, rs.rouge2, rs.rougeL)
            + String(format: "slot accuracy %.3f  name right %.3f  distinct outputs %d of %d", slots.slotAccuracy, slots.nameAccuracy, slots.distinctOutputs, lines.count)
        let serText = ser.map { "\n" + $0.line } ?? ""
        let splitText = split.isEmpty ? "" : String(format: "\nWebNLG: BLEU seen %.2f (%d sources)  unseen %.2f (%d)  all %.2f",
                                                    split[0].1 * 100, Int(split[2].1), split[1].1 * 100, Int(split[3].1), m.bleu * 100)
        return Result(json: json, text: text + serText + splitText)
    }
}

extension SlotErrors.Counts {
    /// `SER` (a fraction) and `slot_errors` with the study's counts summed over outputs.
    public var jsonPairs: [(String, JSONValue)] {
        [("SER", .number(rate)), ("slot_errors", .object([
            ("missing", .number(Double(missing))), ("added", .number(Double(added))), ("wrong", .number(Double(wrong))),
            ("repeated", .number(Double(repeated))), ("mr_values", .number(Double(mrValues))),
        ]))]
    }

    public var line: String {
        String(format: "slot errors: SER %.2f%%  (missing %d, added %d, wrong %d, repeated %d of %d MR values; the E2E cleaning study's patterns)",
               rate * 100, missing, added, wrong, repeated, mrValues)
    }
}
