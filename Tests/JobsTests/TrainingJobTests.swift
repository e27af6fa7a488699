import Events
import Foundation
import Jobs
import Runs
import Specs
import TestSupport
import Tuning
import XCTest

/// The training job in-process: a spec in, a run folder out, as the CLI and the run manager use it.
final class TrainingJobTests: XCTestCase {
    final class Collect: TrainingReporter {
        var steps: [Int] = [], lines: [String] = []
        func step(_ s: TrainerStep) { steps.append(s.step) }
        func line(_ text: String) { lines.append(text) }
    }

    let pairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"

    func spec(_ model: String, method: MethodSpec, maxSteps: Int) throws -> RunSpec {
        var b = RunSpecBuilder(methods: MethodRegistry.descriptors)
        for (k, v) in [("model", model), ("train", pairs), ("valid", pairs), ("test", pairs), ("batch_size", "3"), ("max_steps", "\(maxSteps)"),
                       ("checkpoint_every", "2"), ("lr", "1e-2"), ("eval_test", "true"), ("eval_beam", "1"), ("eval_max_new_tokens", "4")] {
            try b.set(k, raw: v, context: k)
        }
        try b.set("method", raw: method.name, context: "method")
        for (k, v) in method.options { try b.set(k, value: v, context: k) }
        return try b.build()
    }

    /// start, then resume past the end: events, status, outputs, metrics; the resumed run is
    /// the unbroken run's continuation (same losses as a 4-step run, checked by the CLI test).
    func testStartEvaluateAndResumeInProcess() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let dir = TestPaths.tempDir("job") + "/runs/p"
        let s = try spec(model, method: MethodSpec(name: "prefix", options: ["prefix_length": .int(2), "mid_dim": .int(8)]), maxSteps: 2)
        let r = Collect()
        try TrainingJob.start(s, out: dir, group: "g", commandLine: ["prefixlab", "train"] + s.commandLine, reporter: r)
        XCTAssertEqual(r.steps, [1, 2])
        let record = try RunRecord.read(dir)
        XCTAssertEqual(record.status, .done)
        XCTAssertEqual(record.group, "g")
        XCTAssertEqual(record.spec.method["prefix_length"], .int(2))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/outputs/test.jsonl"))
        XCTAssertNotNil(RunOverview.read(dir).metrics["BLEU"])
        let kinds = RunStore.readEvents(dir + "/events.jsonl").events.map(\.kind)
        XCTAssertTrue(kinds.contains { if case .generation(_, let done, let total) = $0 { return done == total && total > 0 }; return false })
        // A new start into the same folder is refused; a resume to 4 steps continues.
        XCTAssertThrowsError(try TrainingJob.start(s, out: dir, group: nil, commandLine: [], reporter: r)) { XCTAssertTrue("\($0)".contains("run folder exists")) }
        let r2 = Collect()
        try TrainingJob.resume(dir, maxSteps: 4, reporter: r2)
        XCTAssertEqual(r2.steps, [3, 4])
        XCTAssertEqual(try RunRecord.read(dir).spec.training.maxSteps, 4, "the new cap is recorded")
    }

    /// A queued run (what the run manager creates) starts from step 0 when resumed; one that
    /// cannot start says why in its folder.
    func testQueuedRunStartsFromItsSpecAndAFailedStartIsRecorded() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let root = TestPaths.tempDir("queued")
        let ok = try spec(model, method: MethodSpec(name: "embedding", options: ["prefix_length": .int(2)]), maxSteps: 2)
        try TrainingJob.queue(ok, at: root + "/q", group: nil, commandLine: [])
        XCTAssertEqual(try RunRecord.read(root + "/q").status, .queued)
        let r = Collect()
        try TrainingJob.resume(root + "/q", maxSteps: nil, reporter: r)
        XCTAssertEqual(r.steps, [1, 2])
        XCTAssertTrue(r.lines.contains { $0.contains("starting from step 0") }, "\(r.lines)")
        XCTAssertEqual(try RunRecord.read(root + "/q").status, .done)

        var bad = ok
        bad.train = root + "/missing.jsonl"
        try TrainingJob.queue(bad, at: root + "/bad", group: nil, commandLine: [])
        XCTAssertThrowsError(try TrainingJob.resume(root + "/bad", maxSteps: nil, reporter: r))
        let info = try RunRecord.read(root + "/bad")
        XCTAssertEqual(info.status, .failed)
        XCTAssertTrue(info.info["error"]?.string?.contains("missing.jsonl") ?? false, "\(info.info)")
        XCTAssertTrue(RunStore.readEvents(root + "/bad/events.jsonl").events.contains { if case .failed = $0.kind { return true }; return false })
    }

    /// The methods' counts as the Ablation screen shows them, from the registry and the model's config.
    func testParameterCountsComeFromTheMethods() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let dir = TestPaths.tempDir("counts") + "/runs/f"
        let s = try spec(model, method: MethodSpec(name: "finetune", options: ["train_layers": .text("top:1")]), maxSteps: 1)
        try TrainingJob.start(s, out: dir, group: nil, commandLine: [], reporter: Collect())
        let o = RunOverview.read(dir)
        XCTAssertEqual(o.storedParams, o.modelParams)
        XCTAssertLessThan(o.trainedParams!, o.modelParams!)
        let started = RunStore.readEvents(dir + "/events.jsonl").events.compactMap { e -> Int? in
            if case .started(_, _, let n) = e.kind { return n }; return nil
        }
        XCTAssertEqual(started, [o.trainedParams!], "the engine trains what the method counts")
    }
}
