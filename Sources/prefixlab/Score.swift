import ArgumentParser
import Foundation
import Jobs

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score outputs with the E2E challenge's metrics (BLEU, NIST, METEOR, ROUGE-L, CIDEr) and sacreBLEU.",
        discussion: """
        FILE has one output per unique source, in first-appearance order (the E2E evaluation format). \
        BLEU and NIST equal mteval-v13a's, ROUGE-L and CIDEr the MS-COCO evaluation's (PTB tokenisation), \
        sacreBLEU its default corpus BLEU. METEOR is METEOR 1.5 from its official resources (--meteor-data, \
        $PREFIXLAB_METEOR_DATA or a pycocoevalcap install found on its own); without them, an approximation, labelled so.
        """
    )
    @Option(help: "Outputs, one per line.") var hyp: String
    @Option(help: "Dataset spec of the references (e.g. an E2E CSV, a WebNLG folder:split).") var refs: String
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(name: .customLong("rouge-stem"), help: "rouge-score's Porter stemmer for ROUGE-1/2/L (summarisation).") var rougeStem = false

    @Option(name: .customLong("meteor-data"), help: ArgumentHelp("METEOR 1.5's resources: its jar (data/paraphrase-en.gz beside it, as pycocoevalcap installs them), the folder holding it, or the files unpacked.", valueName: "PATH")) var meteorData: String?

    func run() throws {
        let r = try ScoreReport.score(hyp: hyp, refs: refs, rougeStem: rougeStem, meteorData: meteorData)
        print(json ? r.json.serialized : r.text)
    }
}
