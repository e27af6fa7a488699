import Screen

/// What the run detail view shows of one run, as the shell reads it from the run folder
/// (run.json, events.jsonl, checkpoints/, metrics.json, output.log); read again while the
/// view is open, so its status and log follow the run live.
public struct RunDetail: Equatable, Sendable {
    public var id: String
    public var folder: String
    public var status: String
    public var error: String?
    public var commandLine: String
    /// The spec as key = value lines, in run.json's order.
    public var spec: [Pair]
    /// Status changes and checkpoints, oldest first: (time, what happened).
    public var history: [Pair]
    /// Checkpoint folders with their size in bytes; "best" marks the best one.
    public var checkpoints: [Checkpoint]
    /// metrics.json's numbers, in key order; shown as every screen shows a metric.
    public var metrics: [Metric]
    /// The last lines of the run's output log (the training process's output).
    public var logTail: [String]
    public var logPath: String?

    public struct Pair: Equatable, Sendable {
        public var key: String, value: String
        public init(_ key: String, _ value: String) { self.key = key; self.value = value }
    }
    public struct Metric: Equatable, Sendable {
        public var key: String, value: Double
        public init(_ key: String, _ value: Double) { self.key = key; self.value = value }
    }
    public struct Checkpoint: Equatable, Sendable {
        public var name: String, bytes: Int, best: Bool
        public init(name: String, bytes: Int, best: Bool) { self.name = name; self.bytes = bytes; self.best = best }
    }

    public init(id: String, folder: String, status: String, error: String? = nil, commandLine: String = "", spec: [Pair] = [], history: [Pair] = [],
                checkpoints: [Checkpoint] = [], metrics: [Metric] = [], logTail: [String] = [], logPath: String? = nil) {
        self.id = id; self.folder = folder; self.status = status; self.error = error; self.commandLine = commandLine; self.spec = spec
        self.history = history; self.checkpoints = checkpoints; self.metrics = metrics; self.logTail = logTail; self.logPath = logPath
    }
}

/// The run detail view (Enter on Runs): the spec and command line on the left; status
/// history, checkpoints and metrics on the right; the log below, following its end unless
/// scrolled up.
enum RunDetailPane {
    static func size(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1_073_741_824 { return fmt(b / 1_073_741_824, 1) + " GiB" }
        if b >= 1_048_576 { return fmt(b / 1_048_576, 1) + " MiB" }
        if b >= 1024 { return fmt(b / 1024, 1) + " KiB" }
        return "\(bytes) B"
    }

    static func render(_ s: AppState, run: String, scroll: Int, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        guard let d = s.detail, d.id == run else {
            let inner = Box.draw(r, title: run, into: &buf, glyphs: g)
            buf.put("reading \(run)…", x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        let inner = Box.draw(r, title: "\(d.id) · \(d.status) · \(d.folder)", into: &buf, glyphs: g)
        var y = inner.y
        if let e = d.error {
            for l in DisplayWidth.wrap("✗ " + e, inner.width - 2).prefix(3) { buf.put(l, x: inner.x + 1, y: y, role: .bad, clip: inner); y += 1 }
        }
        let topHeight = max(6, (inner.maxY - y) * 11 / 20)
        let top = Rect(x: inner.x, y: y, width: inner.width, height: min(topHeight, inner.maxY - y))
        let (left, right) = top.splitLeft(top.width / 2)
        // Left: the spec, then the command line that reproduces the run.
        var leftLines: [(String, Role)] = [("Command line", .header)] + DisplayWidth.wrap(d.commandLine, left.width - 3).map { ($0, .dim) }
        let kw = min(22, max(8, d.spec.map { DisplayWidth.of($0.key) }.max() ?? 8))
        leftLines += [("", .normal), ("Spec", .header)] + d.spec.map { (DisplayWidth.fit($0.key, kw) + " " + $0.value, .normal) }
        for (i, l) in leftLines.prefix(left.height).enumerated() {
            buf.put(DisplayWidth.fit(l.0, left.width - 2), x: left.x + 1, y: left.y + i, role: l.1)
        }
        // Right: what happened, what is on disk, what it scored.
        var rightLines: [(String, Role)] = [("Status history", .header)]
        let room = max(3, right.height - 4 - min(6, d.checkpoints.count) - min(8, d.metrics.count))
        if d.history.count > room { rightLines.append(("… \(d.history.count - room + 1) earlier", .dim)) }
        rightLines += d.history.suffix(d.history.count > room ? room - 1 : room).map { (DisplayWidth.fit($0.key, 19) + " " + $0.value, $0.value.hasPrefix("failed") ? .bad : .normal) }
        rightLines += [("", .normal), ("Checkpoints", .header)]
        rightLines += d.checkpoints.isEmpty ? [("none yet", .dim)] : d.checkpoints.map { (DisplayWidth.fit($0.name + ($0.best ? " (best)" : ""), 24) + " " + size($0.bytes), $0.best ? .good : .normal) }
        rightLines += [("", .normal), ("Metrics", .header)]
        let mw = min(20, d.metrics.map { DisplayWidth.of($0.key) }.max() ?? 8)
        rightLines += d.metrics.isEmpty ? [("none yet", .dim)] : d.metrics.map { (DisplayWidth.fit($0.key, mw) + " " + metricText($0.key, $0.value), .normal) }
        for (i, l) in rightLines.prefix(right.height).enumerated() {
            buf.put(DisplayWidth.fit(l.0, right.width - 2), x: right.x + 1, y: right.y + i, role: l.1)
        }
        // Bottom: the log, its end in view unless scrolled up.
        let logTop = top.maxY
        guard logTop < inner.maxY - 1 else { return }
        let logRect = Rect(x: inner.x, y: logTop + 1, width: inner.width, height: inner.maxY - logTop - 1)
        let end = max(0, d.logTail.count - scroll)
        let shown = d.logTail[max(0, end - logRect.height)..<end]
        let where_ = scroll == 0 ? "following" : "\(scroll) lines up · G follows"
        Box.divider(r, y: logTop, title: "log · " + (d.logPath ?? "no output log: events only") + " · " + where_, into: &buf, glyphs: g)
        for (i, l) in shown.enumerated() {
            let bad = l.contains("error") || l.contains("failed")
            buf.put(DisplayWidth.fit(l, logRect.width - 2), x: logRect.x + 1, y: logRect.y + i, role: bad ? .bad : .dim)
        }
    }
}
