import Foundation
import XCTest
import Events
import Runs

final class EventBusTests: XCTestCase {
    func step(_ run: String, _ s: Int) -> RunEvent { makeStep(run, s) }

    func testEveryKindRoundTripsThroughJSON() {
        let kinds: [RunEvent.Kind] = [
            .queued, .started(totalSteps: 10, method: "prefix", trainableParams: 7),
            .step(.init(step: 3, totalSteps: 10, epoch: 1, loss: 2.5, lr: 5e-5, tokensPerS: 390.5, gradNorm: 0.75)),
            .validation(step: 4, loss: 1.25, metrics: ["BLEU": 0.5]), .evaluation(split: "test", metrics: ["BLEU": 0.6, "NIST": 8]),
            .sampleOutputs(step: 4, pairs: [.init(source: "name : A", output: "A is \"good\"\n")]),
            .checkpoint(step: 5, path: "/x/y"), .paused(step: 6), .resumed(step: 6), .finished(step: 10, outcome: "completed"),
            .failed(step: 7, error: "loss is nan"), .log("hello"),
        ]
        for k in kinds {
            let e = RunEvent(run: "r1", time: "2026-01-01T00:00:00Z", k)
            XCTAssertEqual(RunEvent(jsonLine: e.jsonLine), e, e.jsonLine)
            XCTAssertFalse(e.jsonLine.contains("\n"))
        }
        XCTAssertNil(RunEvent(jsonLine: #"{"type": "future-kind", "run": "r"}"#), "unknown types are skipped")
        XCTAssertNil(RunEvent(jsonLine: #"{"type": "step", "run": "r", "st"#), "a torn line is skipped")
    }

    /// Events posted from one thread arrive in order, every one of them, at every subscriber.
    func testOrderAndFanOut() async {
        let bus = EventBus()
        let subs = [await bus.subscribe(.everything), await bus.subscribe(.everything), await bus.subscribe(.everything)]
        let n = 5000
        let t = Thread {
            for i in 1...n { bus.post(makeStep(i % 2 == 0 ? "a" : "b", i)) }
            bus.post(RunEvent(run: "a", .finished(step: n, outcome: "completed")))
        }
        t.start()
        for (stream, _) in subs {
            var last = ["a": 0, "b": 0], count = 0
            for await e in stream {
                if case .step(let s) = e.kind {
                    XCTAssertGreaterThan(s.step, last[e.run]!)
                    last[e.run] = s.step
                    count += 1
                }
                if case .finished = e.kind { break }
            }
            XCTAssertEqual(count, n)
        }
    }

    /// A subscriber that never reads: step events coalesce to the latest per run, other
    /// events are kept up to the bound, logs dropped first; the publisher never waits.
    func testSlowSubscriberIsBoundedAndSeesTheLatestStep() async {
        let bus = EventBus()
        let (stream, box) = await bus.subscribe(.coalescingSteps(maxPending: 100))
        for i in 1...20_000 { bus.post(step("a", i)); if i % 1000 == 0 { bus.post(RunEvent(run: "a", .validation(step: i, loss: 1, metrics: [:]))) } }
        for i in 1...500 { bus.post(RunEvent(run: "a", .log("line \(i)"))) }
        XCTAssertLessThanOrEqual(box.pendingCount, 100)
        XCTAssertEqual(box.coalescedSteps, 19_999)
        XCTAssertGreaterThan(box.dropped, 0)
        var validations = 0, lastStep = 0
        var it = stream.makeAsyncIterator()
        for _ in 0..<box.pendingCount {
            guard let e = await it.next() else { break }
            if case .validation = e.kind { validations += 1 }
            if case .step(let s) = e.kind { lastStep = s.step }
        }
        XCTAssertEqual(validations, 20, "validations are kept; logs went first")
        XCTAssertEqual(lastStep, 20_000)
    }

    func testClosingEndsStreams() async {
        let bus = EventBus()
        let (stream, _) = await bus.subscribe()
        bus.post(step("a", 1))
        await bus.close()
        var n = 0
        for await _ in stream { n += 1 }
        XCTAssertEqual(n, 1)
    }
}

func makeStep(_ run: String, _ s: Int) -> RunEvent {
    RunEvent(run: run, time: "t", .step(.init(step: s, totalSteps: 100, epoch: 0, loss: Double(s), lr: 1e-4, tokensPerS: 10, gradNorm: 1)))
}

final class EventLogFollowerTests: XCTestCase {
    /// Another process's log: what is there is replayed, appended lines follow, a half-written
    /// line waits for its end.
    func testReplaysThenFollowsAnotherWriter() async throws {
        let ws = NSTemporaryDirectory() + "follow-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: ws + "/runs/ext", withIntermediateDirectories: true)
        let log = ws + "/runs/ext/events.jsonl"
        try (makeStep("ext", 1).jsonLine + "\n" + makeStep("ext", 2).jsonLine + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let bus = EventBus()
        let (stream, box) = await bus.subscribe(.everything)
        let follower = EventLogFollower(workspace: ws, bus: bus)
        XCTAssertEqual(follower.poll(), 2)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        h.seekToEndOfFile()
        let line = makeStep("ext", 3).jsonLine
        h.write(Data(line.prefix(20).utf8))
        XCTAssertEqual(follower.poll(), 0, "half a line is not an event yet")
        h.write(Data((line.dropFirst(20) + "\n" + "garbage\n").utf8))
        try h.close()
        XCTAssertEqual(follower.poll(), 1)
        XCTAssertEqual(follower.poll(), 0)
        XCTAssertEqual(box.pendingCount, 3)
        var it = stream.makeAsyncIterator()
        for want in 1...3 {
            guard case .step(let s)? = await it.next()?.kind else { return XCTFail("expected a step") }
            XCTAssertEqual(s.step, want)
        }
    }
}
