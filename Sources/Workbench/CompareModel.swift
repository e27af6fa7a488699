import Screen
/// Which runs the Compare screen shows and in what order it walks the examples.
public enum CompareModel {
    /// The marked runs when columns were chosen; otherwise one run of each method that has
    /// outputs, in the engine's order of methods (fine-tuning, prefix-tuning, embedding-only,
    /// ...): prefix length 10 preferred (the paper's default), then the lowest best validation
    /// loss (of two adapter sizes, the better one), then the first.
    public static func columns(_ s: AppState) -> [String] {
        let withOutputs = Set(s.compare.flatMap { $0.outputs.keys })
        if !s.compareColumns.isEmpty { return s.compareColumns.filter { withOutputs.contains($0) || s.tryOwnOutputs[$0] != nil } }
        var picked: [String] = []
        let methods = s.methods.isEmpty ? Array(Set(s.groupRuns.map(\.method))).sorted() : s.methods.map(\.name)
        for method in methods {
            let candidates = s.groupRuns.filter { $0.method == method && withOutputs.contains($0.id) }
            let ranked = candidates.enumerated().sorted { a, b in
                let ka = (a.element.prefixLength == 10 ? 0 : 1, a.element.bestValidLoss ?? .infinity, a.offset)
                let kb = (b.element.prefixLength == 10 ? 0 : 1, b.element.bestValidLoss ?? .infinity, b.offset)
                return ka < kb
            }
            if let best = ranked.first?.element { picked.append(best.id) }
        }
        if picked.isEmpty { picked = Array(s.runs.map(\.id).filter(withOutputs.contains).prefix(3)) }
        return picked
    }

    /// How much the outputs of the shown runs differ on an example: 1 − mean pairwise word
    /// overlap (Jaccard), so identical outputs score 0.
    public static func disagreement(_ e: CompareExample, runs: [String]) -> Double {
        let sets = runs.compactMap { e.outputs[$0] }.map { Set($0.text.lowercased().split(separator: " ")) }
        guard sets.count >= 2 else { return 0 }
        var total = 0.0, n = 0
        for i in 0..<sets.count { for j in (i + 1)..<sets.count {
            let u = sets[i].union(sets[j]).count
            total += u == 0 ? 1 : Double(sets[i].intersection(sets[j]).count) / Double(u); n += 1
        } }
        return 1 - total / Double(n)
    }

    /// The lowest per-example score among the shown runs (BLEU; a summary's ROUGE-2).
    public static func worst(_ e: CompareExample, runs: [String]) -> Double {
        runs.compactMap { e.outputs[$0]?.primary }.min() ?? 0
    }

    /// Example indices in display order after the sort and the disagreement filter.
    public static func order(_ s: AppState) -> [Int] {
        let cols = columns(s)
        var idx = Array(s.compare.indices)
        if s.compareOnlyDisagree {
            idx = idx.filter { i in Set(cols.compactMap { s.compare[i].outputs[$0]?.text }).count > 1 }
        }
        switch s.compareSort {
        case .order: break
        case .disagreement:
            let d = idx.map { disagreement(s.compare[$0], runs: cols) }
            idx = zip(idx, d).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        case .worst:
            let w = idx.map { worst(s.compare[$0], runs: cols) }
            idx = zip(idx, w).sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
        }
        return idx
    }
}
