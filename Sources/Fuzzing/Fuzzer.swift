import Foundation
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Runs every target on mutated seeds, round robin, for a bounded time. A crash ends the
/// process (the case that crashed is left in `work/case/`, and `last-case.txt` names it); a
/// case that runs longer than `caseTimeout` is a hang (the watchdog reports it and exits 3);
/// an error of a type the target does not refuse with is a finding (saved in `work/found/`).
public struct Fuzzer {
    public var seed: UInt64
    public var seconds: Double
    public var caseTimeout: Double = 10
    public var work: String
    public var targets: [FuzzTarget]

    public init(seed: UInt64, seconds: Double, work: String, targets: [FuzzTarget]) {
        self.seed = seed; self.seconds = seconds; self.work = work; self.targets = targets
    }

    public struct Finding: Sendable { public let target: String, saved: String, error: String }
    public struct Tally: Sendable { public var cases = 0, refused = 0, accepted = 0 }

    public struct Report: Sendable {
        public var cases = 0
        public var seconds = 0.0
        public var perTarget: [(String, Tally)] = []
        public var findings: [Finding] = []
    }

    public func run(log: (String) -> Void) throws -> Report {
        let fm = FileManager.default
        let caseDir = work + "/case", foundDir = work + "/found"
        try fm.createDirectory(atPath: caseDir, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: foundDir, withIntermediateDirectories: true)
        var mutator = Mutator(seed: seed)
        var report = Report()
        var tallies = [Tally](repeating: Tally(), count: targets.count)
        let watchdog = Watchdog(timeout: caseTimeout, lastCase: work + "/last-case.txt")
        watchdog.start()
        let start = MonotonicClock.now()
        var k = 0
        while MonotonicClock.now() - start < seconds {
            let ti = k % targets.count, target = targets[ti]
            k += 1
            let seedBytes = target.seeds[mutator.below(target.seeds.count)]
            let other = targets[mutator.below(targets.count)].seeds.first ?? []
            let input = mutator.mutate(seedBytes, other: other)
            // A fresh case folder: the mutated file and its companions.
            let folder = caseDir + "/\(ti)"
            try? fm.removeItem(atPath: folder)
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for c in target.companions { try? fm.createSymbolicLink(atPath: folder + "/" + c.name, withDestinationPath: c.path) }
            let file = folder + "/" + target.file
            try Data(input).write(to: URL(fileURLWithPath: file))
            watchdog.begin("case \(report.cases) (seed \(seed)): \(target.name), input \(file)")
            do {
                try target.run(folder, file)
                tallies[ti].accepted += 1
            } catch {
                if target.clean(error) { tallies[ti].refused += 1 } else {
                    let saved = foundDir + "/\(report.findings.count)-" + target.file
                    try? Data(input).write(to: URL(fileURLWithPath: saved))
                    report.findings.append(Finding(target: target.name, saved: saved, error: "\(type(of: error)): \(error)"))
                    log("finding: \(target.name) threw \(type(of: error)) (\(Escaped("\(error)"))); input saved as \(saved)")
                }
            }
            watchdog.end()
            tallies[ti].cases += 1
            report.cases += 1
        }
        watchdog.stop()
        report.seconds = MonotonicClock.now() - start
        report.perTarget = zip(targets.map(\.name), tallies).map { ($0, $1) }
        return report
    }
}

/// Ends the process when a case runs past its timeout, naming the case.
final class Watchdog: @unchecked Sendable {
    let timeout: Double
    let lastCase: String
    private let lock = NSLock()
    private var current: (String, Double)? = nil
    private var stopped = false

    init(timeout: Double, lastCase: String) { self.timeout = timeout; self.lastCase = lastCase }

    func begin(_ what: String) {
        // Written before the case runs, so a crash leaves the case's name behind.
        try? Data((what + "\n").utf8).write(to: URL(fileURLWithPath: lastCase))
        lock.lock(); current = (what, MonotonicClock.now()); lock.unlock()
    }

    func end() { lock.lock(); current = nil; lock.unlock() }
    func stop() { lock.lock(); stopped = true; lock.unlock() }

    func start() {
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                lock.lock()
                if stopped { lock.unlock(); return }
                if let (what, t0) = current, MonotonicClock.now() - t0 > timeout {
                    lock.unlock()
                    FileHandle.standardError.write(Data("fuzz: hang: \(what) ran past \(timeout) s\n".utf8))
                    exit(3)
                }
                lock.unlock()
            }
        }
        t.start()
    }
}
