import Foundation
import Events
import Screen
import Specs

/// Runs (2): every run with its progress, then the selected run's curves (or several runs
/// overlaid) as a multi-row plot with the learning rate below.
enum RunsPane {
    static func statusRole(_ status: RunStatus) -> Role {
        switch status {
        case .running: return .good
        case .failed, .unreadable: return .bad
        case .paused, .interrupted, .queued: return .warn
        case .cancelled: return .dim
        case .done: return .normal
        }
    }

    static func eta(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "–" }
        if s >= 3600 { return "\(Int(s) / 3600)h\(Int(s) % 3600 / 60)m" }
        if s >= 60 { return "\(Int(s) / 60)m\(String(format: "%02d", Int(s) % 60))s" }
        return "\(Int(s))s"
    }

    /// Table columns by priority; the narrowest terminal keeps the first ones.
    typealias CellText = (RunView, Glyphs) -> String

    static func prefixText(_ r: RunView) -> String {
        r.prefixLength.map { String($0) } ?? "–"
    }
    static func stepText(_ r: RunView) -> String { "\(r.step)/" + (r.totalSteps.map { String($0) } ?? "?") }
    static func opt(_ x: Double?, _ digits: Int) -> String { x.map { fmt($0, digits) } ?? "–" }
    static func speedText(_ r: RunView) -> String {
        guard r.status == .running, let t = r.tokensPerS else { return "–" }
        return String(Int(t))
    }

    /// The table's columns, each with the priority it is dropped in when the terminal is
    /// narrow (highest first): tok/s, ETA, group, progress, val, P, BLEU, loss; the name
    /// keeps at least the room of its longest id, up to 24 columns, and takes what is left.
    static func columns(width: Int, runs: [RunView]) -> [(Table.Column, CellText)] {
        let barWidth = width >= 140 ? 12 : 8
        let methodWidth = min(16, max(6, runs.map { DisplayWidth.of($0.methodLabel) }.max() ?? 6))
        let groupWidth = min(16, max(5, runs.compactMap { $0.group.map { DisplayWidth.of($0) } }.max() ?? 0))
        let all: [(Table.Column, CellText, drop: Int)] = [
            (Table.Column("group", width: groupWidth), { r, _ in r.group ?? "–" }, 6),
            (Table.Column("method", width: methodWidth), { r, _ in r.methodLabel }, 0),
            (Table.Column("P", width: 3, alignRight: true), { r, _ in prefixText(r) }, 3),
            (Table.Column("status", width: 10), { r, _ in r.status.rawValue + (r.external ? "*" : "") }, 0),
            (Table.Column("step", width: 9, alignRight: true), { r, _ in stepText(r) }, 0),
            (Table.Column("progress", width: barWidth), { r, g in
                ProgressBar.render(Double(r.step) / Double(max(1, r.totalSteps ?? 1)), width: barWidth, glyphs: g) }, 5),
            (Table.Column("loss", width: 6, alignRight: true), { r, _ in opt(r.lastLoss, 3) }, 1),
            (Table.Column("val", width: 6, alignRight: true), { r, _ in opt(r.bestValidLoss, 3) }, 4),
            (Table.Column("BLEU", width: 5, alignRight: true), { r, _ in opt((r.metrics["BLEU"] ?? r.bestBLEU).map { $0 * 100 }, 1) }, 2),
            (Table.Column("tok/s", width: 6, alignRight: true), { r, _ in speedText(r) }, 8),
            (Table.Column("ETA", width: 6, alignRight: true), { r, _ in eta(r.eta) }, 7),
        ]
        let nameNeed = min(24, max(10, (runs.map { DisplayWidth.of($0.id) }.max() ?? 10) + 2))
        var cols = all
        func used() -> Int { cols.reduce(2, { $0 + $1.0.width + 1 }) + nameNeed }
        while used() > width, let worst = cols.filter({ $0.drop > 0 }).max(by: { $0.drop < $1.drop }) {
            cols.removeAll { $0.0.title == worst.0.title }
        }
        return cols.map { ($0.0, $0.1) }
    }

    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let list = s.runsList
        let position = list.isEmpty ? "" : " · \(min(s.selectedRun + 1, list.count))/\(list.count)"
        let inner = Box.draw(r, title: "Runs · " + (s.runsGroup ?? "every group") + position, into: &buf, glyphs: g)
        if s.runs.isEmpty, let what = s.loading {
            buf.put("Loading \(s.workspace): \(what)…", x: inner.x + 1, y: inner.y + 1, role: .dim, clip: inner)
            return
        }
        if s.runs.isEmpty {
            buf.put("No runs in \(s.workspace) yet. Press n to launch one, or run `prefixlab run EXPERIMENT`.", x: inner.x + 1, y: inner.y + 1, role: .dim, clip: inner)
            return
        }
        let cols = columns(width: inner.width, runs: list)
        let nameWidth = max(10, inner.width - cols.reduce(2, { $0 + $1.0.width + 1 }))
        let tableRows = Layout.runsTableRows(s)
        let marked = Set(s.marked)
        // A marked run (space) is flagged before its name: "+", as in Ablation and Compare.
        let table = Table(columns: [.init("run", width: nameWidth)] + cols.map(\.0),
                          rows: list.map { run in [(marked.contains(run.id) ? "+" : "") + run.id] + cols.map { $0.1(run, g) } },
                          rowRoles: list.map { statusRole($0.status) }, selected: s.selectedRun)
        let (tableRect, rest) = inner.splitTop(tableRows + 1)
        let placed = table.render(in: tableRect, into: &buf, glyphs: g)
        // A failed run's row ends with why, where its loss and speed would be.
        let errorX = tableRect.x + 2 + nameWidth + 1 + cols.prefix { $0.0.title != "progress" && $0.0.title != "loss" }.reduce(0) { $0 + $1.0.width + 1 }
        for (i, y) in placed {
            guard let err = list[i].error, list[i].status == .failed, errorX < tableRect.maxX - 8 else { continue }
            let text = DisplayWidth.fit("✗ " + err, tableRect.maxX - errorX, ellipsis: g.ellipsis)
            buf.put(String(repeating: " ", count: tableRect.maxX - errorX), x: errorX, y: y, role: i == s.selectedRun ? .selected : .bad)
            buf.put(text, x: errorX, y: y, role: i == s.selectedRun ? .selected : .bad)
        }
        guard rest.height >= 4, let run = s.selectedRunView else { return }
        Box.divider(r, y: rest.y, title: chartTitle(s, run), into: &buf, glyphs: g)
        let chart = Rect(x: rest.x, y: rest.y + 1, width: rest.width, height: rest.height - 1)
        renderChart(s, run, in: chart, into: &buf, glyphs: g)
    }

    static func chartTitle(_ s: AppState, _ run: RunView) -> String {
        let ids = overlaid(s)
        let mode = (s.smoothing == 0 ? "raw" : "EMA \(s.smoothing)") + (s.logLoss ? " · log" : "") + (s.zoomSteps.map { " · last \($0) steps" } ?? "")
        return (ids.count > 1 ? "loss · \(ids.count) runs" : run.id + " · loss") + " · " + mode
    }

    /// The selected run, then the overlaid (o) and marked (space) runs.
    static func overlaid(_ s: AppState) -> [String] {
        guard let sel = s.selectedRunView else { return [] }
        var ids = [sel.id]
        for r in s.runs where (s.overlay.contains(r.id) || s.marked.contains(r.id)) && !ids.contains(r.id) { ids.append(r.id) }
        return ids
    }

    /// TensorBoard's smoothing: an exponential moving average, debiased so the first points
    /// are not pulled towards zero.
    static func ema(_ pts: [RunView.Point], weight: Double) -> [(x: Double, y: Double)] {
        guard weight > 0 else { return pts.map { ($0.x, $0.y) } }
        var acc = 0.0, n = 0
        return pts.compactMap { p -> (x: Double, y: Double)? in
            guard p.y.isFinite else { return nil }
            n += 1
            acc = weight * acc + (1 - weight) * p.y
            return (p.x, acc / (1 - pow(weight, Double(n))))
        }
    }

    /// The loss axis: from the lowest value to the highest after the first 2% of steps, so the
    /// first steps' large losses do not flatten the part of the curve a researcher watches.
    static func yRange(_ series: [Plot.Series]) -> ClosedRange<Double>? {
        let ys = series.flatMap { s -> [Double] in
            let pts = s.points.filter { $0.y.isFinite }
            return pts.dropFirst(max(1, pts.count / 50)).map(\.y)
        }
        let all = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        guard let lo = all.min(), let hi = ys.max() ?? all.max(), hi > lo else { return nil }
        return lo...hi
    }

    static func renderChart(_ s: AppState, _ run: RunView, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let legendWidth = min(38, r.width / 3)
        let (plotArea, legend) = r.splitLeft(r.width - legendWidth)
        if let err = run.error {
            buf.put("✗ failed: " + err, x: r.x + 1, y: r.y, role: .bad, clip: r)
        }
        let top = run.error == nil ? 0 : 1
        let plotRect = Rect(x: plotArea.x + 1, y: plotArea.y + top, width: plotArea.width - 2, height: plotArea.height - top)
        let ids = overlaid(s)
        let views = ids.compactMap { id in s.runs.first { $0.id == id } }
        let xMax = Double(max(1, views.map { max($0.step, $0.totalSteps ?? 0) }.max() ?? 1))
        let xLow = s.zoomSteps.map { max(0, xMax - Double($0)) } ?? 0
        let inView: (RunView.Point) -> Bool = { $0.x >= xLow }
        var series: [Plot.Series] = []
        var legendLines: [(String, Role)] = []
        let line = g == .ascii ? "-" : "━"
        for (k, v) in views.enumerated() {
            let role = views.count > 1 ? s.seriesRole(v.id) : .spark
            let pts = v.losses.filter(inView)
            if s.smoothing > 0 && views.count == 1 { series.append(.init(pts.map { ($0.x, $0.y) }, role: .dim, style: .line)) }
            series.append(.init(ema(pts, weight: s.smoothing), role: role, style: .line))
            series.append(.init(v.validLosses.filter(inView).map { ($0.x, $0.y) }, role: views.count > 1 ? role : .sparkValid, style: .markers(g.point)))
            if views.count > 1 {
                let val = v.bestValidLoss.map { " val " + fmt($0, 3) } ?? ""
                legendLines.append((line + " " + v.id + "  " + (v.lastLoss.map { fmt($0, 3) } ?? "–") + val + (k == 0 ? "  (selected)" : ""), role))
            }
        }
        if views.count == 1 {
            let losses = run.losses.map(\.y)
            legendLines.append((line + " train  last " + (losses.last.map { fmt($0, 3) } ?? "–") + "  min " + (losses.min().map { fmt($0, 3) } ?? "–"), .spark))
            if let v = run.validLosses.last {
                legendLines.append((String(g.point) + " val  last \(fmt(v.y, 3)) (step \(Int(v.x)))", .sparkValid))
            }
            if let b = run.bestBLEU { legendLines.append(("val BLEU best \(fmt(b * 100, 1))", .accent)) }
            if !run.metrics.isEmpty {
                legendLines.append(("test " + ["BLEU", "ROUGE_L"].compactMap { m in run.metrics[m].map { "\(m) \(fmt(AblationModel.display(m, $0), m == "BLEU" ? 1 : 3))" } }.joined(separator: " "), .good))
            }
            legendLines.append(("step \(run.step)/\(run.totalSteps.map(String.init) ?? "?")" + (run.eta.map { "  ETA " + eta($0) } ?? ""), .dim))
            if let t = run.tokensPerS, run.status == .running { legendLines.append(("\(Int(t)) tok/s", .dim)) }
        } else {
            legendLines.append((String(g.point) + " validation loss", .dim))
        }
        if let lr = run.lrs.last { legendLines.append(("lr " + String(format: "%.1e", lr.y) + (views.count > 1 ? " (\(run.id))" : ""), .dim)) }
        var plot = Plot(series, xRange: xLow...max(xLow + 1, xMax), yRange: RunsPane.yRange(series))
        plot.logY = s.logLoss
        plot.xLabels = true
        // The selected run's learning rate on the loss plot's own columns.
        if !run.lrs.isEmpty { plot.strip = ("lr", run.lrs.filter(inView).map { ($0.x, $0.y) }, .accent) }
        plot.render(in: plotRect, into: &buf, glyphs: g)
        for (i, (text, role)) in legendLines.enumerated() where i < legend.height {
            buf.put(DisplayWidth.fit(text, legend.width - 1), x: legend.x, y: legend.y + i, role: role)
        }
    }
}
