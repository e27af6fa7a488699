import Screen
import Foundation

/// The Ablation screen's table: runs grouped by method, its variant (FT-top2, an adapter's
/// design and bottleneck, LoRA's rank) and prefix length, metrics as mean ± standard deviation
/// over the seeds of a group; and its Markdown and CSV exports.
public enum AblationModel {
    /// BLEU_seen and BLEU_unseen: WebNLG's columns (the paper's S and U; BLEU is A); rouge1,
    /// rouge2, rougeL: rouge-score's (stemmed) of runs tested on summaries, the paper's XSUM
    /// table; SER: E2E's slot error rate (the E2E cleaning study's), lower is better. Each shown
    /// only for a group whose runs have them.
    public static let metrics = ["BLEU", "BLEU_seen", "BLEU_unseen", "NIST", "METEOR", "ROUGE_L", "CIDEr", "rouge1", "rouge2", "rougeL", "SER"]
    /// Metrics only some tasks have (their columns hide when no row has them).
    static func isOptional(_ m: String) -> Bool { m.hasPrefix("BLEU_") || m.hasPrefix("rouge") || m == "SER" }
    /// Metrics where less is better (sorted ascending).
    static func lowerIsBetter(_ m: String) -> Bool { m == "SER" }

    public struct Row: Equatable, Sendable {
        public var method: String
        public var variant: String?
        public var prefixLength: Int?
        public var runs: [String]
        public var mean: [String: Double]
        public var sd: [String: Double]
        public var trainableParams: Int?
        /// What the method stores and generates with: a prefix run's folded prefix (its MLP is
        /// gone after training), an embedding run's virtual tokens, a fine-tuned model.
        public var storedParams: Int?
        /// storedParams as a percentage of the model's parameters (the paper's "0.1%").
        public var share: Double?
        public var trainSeconds: Double?

        /// The method as the table and the chart name it: "finetune top2", "adapter lin b5".
        public var label: String { method + (variant.map { " " + $0 } ?? "") }
    }

    public static func rows(_ runs: [RunView]) -> [Row] {
        var groups: [String: [RunView]] = [:], order: [String] = []
        for r in runs where !r.metrics.isEmpty || r.status == .done {
            let key = r.method + "|" + (r.variant ?? "") + "|" + (r.prefixLength.map(String.init) ?? "")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        return order.map { key in
            let g = groups[key]!
            var mean: [String: Double] = [:], sd: [String: Double] = [:]
            for m in metrics {
                let v = g.compactMap { $0.metrics[m] }
                guard !v.isEmpty else { continue }
                let mu = v.reduce(0, +) / Double(v.count)
                mean[m] = mu
                if v.count > 1 { sd[m] = (v.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(v.count - 1)).squareRoot() }
            }
            let r0 = g[0]
            let share = r0.storedParams.flatMap { p in r0.modelParams.map { Double(p) / Double($0) * 100 } }
            let times = g.compactMap(\.trainSeconds)
            return Row(method: r0.method, variant: r0.variant, prefixLength: r0.prefixLength, runs: g.map(\.id), mean: mean, sd: sd,
                       trainableParams: r0.trainableParams, storedParams: r0.storedParams, share: share, trainSeconds: times.isEmpty ? nil : times.reduce(0, +) / Double(times.count))
        }
    }

    public static let columnTitles = ["method", "P", "seeds", "trained", "stored", "%", "BLEU", "BLEU-S", "BLEU-U", "NIST", "METEOR", "ROUGE-L", "CIDEr",
                                      "R-1", "R-2", "R-L", "SER%", "time"]
    static let firstMetricColumn = 6
    static let timeColumn = firstMetricColumn + metrics.count

    /// The columns worth showing for these rows: a metric no row has (seen / unseen BLEU outside
    /// WebNLG, ROUGE-1/2/L outside summaries) is left out.
    public static func visibleColumns(_ rows: [Row]) -> [Int] {
        columnTitles.indices.filter { i in
            guard (firstMetricColumn..<timeColumn).contains(i), isOptional(metrics[i - firstMetricColumn]) else { return true }
            return rows.contains { $0.mean[metrics[i - firstMetricColumn]] != nil }
        }
    }

    /// Sorts by a column index of `columnTitles` (metrics descending, others ascending).
    public static func sorted(_ rows: [Row], by column: Int) -> [Row] {
        func key(_ r: Row) -> Double {
            switch column {
            case 1: return Double(r.prefixLength ?? 0)
            case 2: return Double(r.runs.count)
            case 3: return Double(r.trainableParams ?? 0)
            case 4: return Double(r.storedParams ?? 0)
            case 5: return r.share ?? 0
            case firstMetricColumn..<timeColumn:
                let m = metrics[column - firstMetricColumn]
                return lowerIsBetter(m) ? r.mean[m] ?? .infinity : -(r.mean[m] ?? -.infinity)
            case timeColumn: return r.trainSeconds ?? 0
            default: return 0
            }
        }
        if column == 0 { return rows.sorted { ($0.label, $0.prefixLength ?? 0) < ($1.label, $1.prefixLength ?? 0) } }
        return rows.enumerated().sorted { (key($0.element), $0.offset) < (key($1.element), $1.offset) }.map(\.element)
    }

    public static func count(_ n: Int?) -> String {
        guard let n else { return "–" }
        if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
        if n >= 1_000 { return String(format: "%.1fK", Double(n) / 1e3) }
        return String(n)
    }

    public static func duration(_ s: Double?) -> String {
        guard let s else { return "–" }
        if s >= 3600 { return String(format: "%dh%02dm", Int(s) / 3600, Int(s) % 3600 / 60) }
        if s >= 60 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%.0fs", s)
    }

    /// BLEU and rouge-score's ROUGE are stored as fractions (as the E2E scripts and rouge-score
    /// print them) and shown ×100, as the paper's tables, SER as a percentage as the E2E
    /// cleaning study prints it; the other metrics as stored.
    public static func display(_ m: String, _ v: Double) -> Double { m.hasPrefix("BLEU") || m.hasPrefix("rouge") || m == "SER" ? v * 100 : v }

    static func metric(_ r: Row, _ m: String) -> String {
        guard let raw = r.mean[m] else { return "–" }
        let v = display(m, raw)
        let digits = m.hasPrefix("BLEU") || m.hasPrefix("rouge") ? 1 : m == "NIST" || m == "CIDEr" || m == "SER" ? 2 : 3
        let base = String(format: "%.\(digits)f", v)
        return r.sd[m].map { base + "±" + String(format: "%.\(digits)f", display(m, $0)) } ?? base
    }

    /// A row's cells in `columnTitles` order.
    public static func cells(_ r: Row) -> [String] {
        let p: String = r.prefixLength.map { String($0) } ?? "–"
        let share: String = r.share.map { String(format: $0 < 1 ? "%.2f" : "%.1f", $0) } ?? "–"
        var c: [String] = [r.label, p, String(r.runs.count), count(r.trainableParams), count(r.storedParams), share]
        for m in metrics { c.append(metric(r, m)) }
        c.append(duration(r.trainSeconds))
        return c
    }

    public static func markdown(_ rows: [Row]) -> String {
        let cols = visibleColumns(rows)
        var s = "| " + cols.map { columnTitles[$0] }.joined(separator: " | ") + " |\n|" + cols.map { _ in "---" }.joined(separator: "|") + "|\n"
        for r in rows { let c = cells(r); s += "| " + cols.map { c[$0] }.joined(separator: " | ") + " |\n" }
        return s
    }

    public static func csv(_ rows: [Row]) -> String {
        var s = "method,prefix_length,seeds,runs,trainable_params,stored_params,stored_share_percent,"
            + metrics.flatMap { [$0 + "_mean", $0 + "_sd"] }.joined(separator: ",") + ",train_seconds\n"
        for r in rows {
            func opt(_ n: Int?) -> String { n.map { String($0) } ?? "" }
            var c: [String] = [r.label, opt(r.prefixLength), String(r.runs.count), r.runs.joined(separator: " ")]
            c += [opt(r.trainableParams), opt(r.storedParams), r.share.map { String(format: "%.4f", $0) } ?? ""]
            for m in metrics { c += [r.mean[m].map { String(format: "%.4f", display(m, $0)) } ?? "", r.sd[m].map { String(format: "%.4f", display(m, $0)) } ?? ""] }
            c.append(r.trainSeconds.map { String(format: "%.1f", $0) } ?? "")
            s += c.map { $0.contains(",") ? "\"" + $0 + "\"" : $0 }.joined(separator: ",") + "\n"
        }
        return s
    }
}
