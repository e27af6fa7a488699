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

    static func columns(width: Int) -> [(Table.Column, CellText)] {
        let barWidth = width >= 120 ? 12 : 8
        var cols: [(Table.Column, CellText)] = []
        cols.append((Table.Column("method", width: width >= 120 ? 14 : 9), { r, _ in r.methodLabel }))
        cols.append((Table.Column("P", width: 3, alignRight: true), { r, _ in prefixText(r) }))
        cols.append((Table.Column("status", width: 11), { r, _ in r.status.rawValue + (r.external ? "*" : "") }))
        cols.append((Table.Column("step", width: 9, alignRight: true), { r, _ in stepText(r) }))
        cols.append((Table.Column("loss", width: 6, alignRight: true), { r, _ in opt(r.lastLoss, 3) }))
        cols.append((Table.Column("val", width: 6, alignRight: true), { r, _ in opt(r.bestValidLoss, 3) }))
        cols.append((Table.Column("BLEU", width: 5, alignRight: true), { r, _ in opt((r.metrics["BLEU"] ?? r.bestBLEU).map { $0 * 100 }, 1) }))
        cols.append((Table.Column("tok/s", width: 6, alignRight: true), { r, _ in speedText(r) }))
        cols.append((Table.Column("ETA", width: 6, alignRight: true), { r, _ in eta(r.eta) }))
        let progress: (Table.Column, CellText) = (Table.Column("progress", width: barWidth), { r, g in
            ProgressBar.render(Double(r.step) / Double(max(1, r.totalSteps ?? 1)), width: barWidth, glyphs: g)
        })
        if width >= 100 { cols.insert(progress, at: 4) }
        // Narrow: drop ETA, then tok/s, until the name keeps at least 10 columns.
        while cols.reduce(2, { $0 + $1.0.width + 1 }) + 10 > width, cols.count > 5 { cols.removeLast() }
        return cols
    }

    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let inner = Box.draw(r, title: "Runs" + (s.groupName.isEmpty ? "" : " · " + s.groupName), into: &buf, glyphs: g)
        if s.runs.isEmpty {
            buf.put("No runs in \(s.workspace) yet. Press n to launch one, or run `prefixlab run EXPERIMENT`.", x: inner.x + 1, y: inner.y + 1, role: .dim, clip: inner)
            return
        }
        let cols = columns(width: inner.width)
        let nameWidth = max(10, inner.width - cols.reduce(2, { $0 + $1.0.width + 1 }))
        let tableRows = Layout.runsTableRows(s)
        let table = Table(columns: [.init("run", width: nameWidth)] + cols.map(\.0),
                          rows: s.runs.map { run in [run.id] + cols.map { $0.1(run, g) } },
                          rowRoles: s.runs.map { statusRole($0.status) }, selected: s.selectedRun)
        let (tableRect, rest) = inner.splitTop(tableRows + 1)
        table.render(in: tableRect, into: &buf, glyphs: g)
        guard rest.height >= 4, let run = s.selectedRunView else { return }
        Box.divider(r, y: rest.y, title: chartTitle(s, run), into: &buf, glyphs: g)
        let chart = Rect(x: rest.x, y: rest.y + 1, width: rest.width, height: rest.height - 1)
        renderChart(s, run, in: chart, into: &buf, glyphs: g)
    }

    static func chartTitle(_ s: AppState, _ run: RunView) -> String {
        let ids = overlaid(s)
        return ids.count > 1 ? "loss · " + ids.joined(separator: " vs ") : run.id + " · loss"
    }

    static func overlaid(_ s: AppState) -> [String] {
        guard let sel = s.selectedRunView else { return [] }
        return [sel.id] + s.runs.map(\.id).filter { s.overlay.contains($0) && $0 != sel.id }
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

    static let overlayMarkers: [(Character, Character, Role)] = [("●", "o", .sparkValid), ("◆", "+", .good), ("▲", "x", .warn), ("■", "#", .bad)]

    static func renderChart(_ s: AppState, _ run: RunView, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let legendWidth = min(34, r.width / 3)
        let (plotArea, legend) = r.splitLeft(r.width - legendWidth)
        if let err = run.error {
            buf.put("✗ failed: " + err, x: r.x + 1, y: r.y, role: .bad, clip: r)
        }
        let top = run.error == nil ? 0 : 1
        let plotRect = Rect(x: plotArea.x + 1, y: plotArea.y + top, width: plotArea.width - 2, height: plotArea.height - 1 - top)
        let ids = overlaid(s)
        var series: [Plot.Series] = []
        var legendLines: [(String, Role)] = []
        if ids.count > 1 {
            for (k, id) in ids.enumerated() {
                guard let v = s.runs.first(where: { $0.id == id }) else { continue }
                let m = overlayMarkers[k % overlayMarkers.count]
                let marker = g == .ascii ? m.1 : m.0
                series.append(.init(v.losses.map { ($0.x, $0.y) }, role: k == 0 ? .spark : m.2, marker: k == 0 ? nil : marker))
                legendLines.append(((k == 0 ? String(g.levels[8]) : String(marker)) + " " + id + "  " + (v.lastLoss.map { fmt($0, 3) } ?? "–"), k == 0 ? .spark : m.2))
            }
        } else {
            series.append(.init(run.losses.map { ($0.x, $0.y) }, role: .spark))
            series.append(.init(run.validLosses.map { ($0.x, $0.y) }, role: .sparkValid, marker: g.point))
            let losses = run.losses.map(\.y)
            legendLines.append(("train  last " + (losses.last.map { fmt($0, 3) } ?? "–") + "  min " + (losses.min().map { fmt($0, 3) } ?? "–"), .spark))
            if let v = run.validLosses.last {
                legendLines.append((String(g.point) + " val  last \(fmt(v.y, 3)) (step \(Int(v.x)))", .sparkValid))
            }
            if let b = run.bestBLEU { legendLines.append(("val BLEU best \(fmt(b * 100, 1))", .accent)) }
            if !run.metrics.isEmpty {
                legendLines.append(("test " + ["BLEU", "ROUGE_L"].compactMap { m in run.metrics[m].map { "\(m) \(fmt(AblationModel.display(m, $0), m == "BLEU" ? 1 : 3))" } }.joined(separator: " "), .good))
            }
            legendLines.append(("step \(run.step)/\(run.totalSteps.map(String.init) ?? "?")" + (run.eta.map { "  ETA " + eta($0) } ?? ""), .dim))
            if let t = run.tokensPerS, run.status == .running { legendLines.append(("\(Int(t)) tok/s", .dim)) }
        }
        let xMax = Double(max(run.totalSteps ?? 1, ids.compactMap { id in s.runs.first { $0.id == id }?.totalSteps }.max() ?? 1))
        Plot(series, xRange: 0...max(1, xMax), yRange: RunsPane.yRange(series)).render(in: plotRect, into: &buf, glyphs: g)
        // The learning rate as a one-row sparkline under the plot.
        let lrY = plotArea.maxY - 1
        if !run.lrs.isEmpty, ids.count == 1 {
            let width = max(1, Int(Double(plotRect.width - 5) * Double(run.step) / max(1, xMax)))
            buf.put("lr", x: plotArea.x + 1, y: lrY, role: .dim)
            buf.put(Sparkline(run.lrs.map(\.y), range: 0...(run.lrs.map(\.y).max() ?? 1)).render(width: width, glyphs: g), x: plotArea.x + 5, y: lrY, role: .accent)
        }
        if ids.count == 1, let lr = run.lrs.last { legendLines.append(("lr " + String(format: "%.1e", lr.y), .dim)) }
        for (i, (text, role)) in legendLines.enumerated() where i < legend.height {
            buf.put(DisplayWidth.fit(text, legend.width - 1), x: legend.x, y: legend.y + i, role: role)
        }
    }
}
