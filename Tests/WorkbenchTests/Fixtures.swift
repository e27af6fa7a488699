import Events
import Specs
import Tuning
import Screen
import Workbench

/// Small states for reducer and render tests.
enum Fixtures {
    static func step(_ run: String, _ step: Int, total: Int = 100, loss: Double, time: String = "2026-11-27T10:00:00.000Z") -> RunEvent {
        RunEvent(run: run, time: time, .step(.init(step: step, totalSteps: total, epoch: 0, loss: loss, lr: 1e-4, tokensPerS: 1000, gradNorm: 1)))
    }

    static func state(width: Int = 100, height: Int = 30) -> AppState {
        var s = AppState()
        s.methods = MethodRegistry.descriptors
        _ = reduce(&s, .resize(width: width, height: height))
        return s
    }

    /// A group of three finished runs (one per method) with outputs on two examples.
    static func group() -> AppState {
        var s = state()
        for (id, method, p) in [("ft-1", "finetune", nil), ("prefix-10", "prefix", 10), ("emb-10", "embedding", 10)] as [(String, String, Int?)] {
            var v = RunView(id: id, method: method, status: .done)
            v.prefixLength = p
            v.metrics = ["BLEU": method == "finetune" ? 0.5 : 0.4, "ROUGE_L": 0.6]
            v.trainableParams = method == "finetune" ? 1000 : 40
            v.modelParams = 1000
            _ = reduce(&s, .runInfo(v))
        }
        func out(_ t: String, _ b: Double, novel: Set<Int> = []) -> OutputView { OutputView(text: t, bleu: b, rougeL: b / 100, novelWords: novel) }
        _ = reduce(&s, .compare([
            CompareExample(source: "name : The Eagle | food : French", references: ["The Eagle serves French food."],
                           outputs: ["ft-1": out("The Eagle serves French food.", 100), "prefix-10": out("The Eagle serves French food.", 100),
                                     "emb-10": out("The Eagle serves French food.", 100)]),
            CompareExample(source: "name : Aromi | area : riverside", references: ["Aromi is by the riverside."],
                           outputs: ["ft-1": out("Aromi is by the riverside.", 90), "prefix-10": out("Aromi is in the riverside area.", 40),
                                     "emb-10": out("The Punter is in the city centre.", 5, novel: [1, 5, 6])]),
        ]))
        return s
    }
}
