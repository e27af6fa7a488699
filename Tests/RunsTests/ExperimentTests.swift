import Foundation
import JSON
import Events
import Jobs
import Runs
import Specs
import Tuning
import TestSupport
import XCTest

final class ExperimentTests: XCTestCase {
    let text = """
    {"name": "e2e-ablation", "model": "m", "train": "t.jsonl", "valid": "v.jsonl", "test": "s.jsonl",
     "defaults": {"epochs": 5, "batch_size": 10, "eval_bleu": 0},
     "runs": [{"name": "finetune", "method": "finetune", "lr": 5e-5},
              {"name": "prefix-10", "method": "prefix", "prefix_length": 10, "lr": 8e-5}],
     "sweep": {"base": {"method": "prefix", "lr": 8e-5}, "prefix_length": [1, 10, 20], "seed": [1]}}
    """

    func testRunsAndSweepExpandWithoutDuplicates() throws {
        let e = try Experiment.parse(try JSONParser.parse(text), file: "x.json")
        XCTAssertEqual(e.runs.map(\.name), ["finetune", "prefix-10", "prefix-1", "prefix-20"])
        let args = e.trainArguments(e.runs[3], outDir: "ws/runs/prefix-20")
        XCTAssertEqual(Array(args.prefix(9)), ["--model", "m", "--train", "t.jsonl", "--valid", "v.jsonl", "--test", "s.jsonl", "--eval-test"])
        for (flag, value) in [("--epochs", "5"), ("--batch-size", "10"), ("--prefix-length", "20"), ("--method", "prefix"), ("--seed", "1"), ("--group", "e2e-ablation"), ("--out", "ws/runs/prefix-20")] {
            guard let i = args.firstIndex(of: flag) else { return XCTFail("no \(flag) in \(args)") }
            XCTAssertEqual(args[i + 1], value, flag)
        }
        XCTAssertEqual(args.filter { $0 == "--lr" }.count, 1, "a run's own option replaces the default")
    }

    func testARunCanUseItsOwnTrainingData() throws {
        let j = try JSONParser.parse(#"{"name": "low", "model": "m", "train": "all.jsonl", "runs": [{"name": "p50", "method": "prefix", "train": "50.jsonl"}]}"#)
        let e = try Experiment.parse(j, file: "low.json")
        let a = e.trainArguments(e.runs[0], outDir: "o")
        XCTAssertEqual(Array(a.prefix(4)), ["--model", "m", "--train", "50.jsonl"])
        XCTAssertEqual(a.filter { $0 == "--train" }.count, 1)
    }

    func testSeedsMakeSeparateRuns() throws {
        let j = try JSONParser.parse(#"{"name": "s", "model": "m", "train": "t", "sweep": {"base": {"method": "embedding"}, "prefix_length": [5], "seed": [1, 2]}}"#)
        XCTAssertEqual(try Experiment.parse(j, file: "s.json").runs.map(\.name), ["embedding-5-s1", "embedding-5-s2"])
    }

    func testBadExperimentsNameTheFileAndTheProblem() {
        for (json, message) in [
            (#"{"model": "m", "train": "t", "runs": []}"#, "\"name\""),
            (#"{"name": "../x", "model": "m", "train": "t"}"#, "must be letters"),
            (#"{"name": "x", "model": "m", "train": "t"}"#, "no runs"),
            (#"{"name": "x", "model": "m", "train": "t", "runs": [{"method": "prefix"}]}"#, "needs a \"name\""),
            (#"{"name": "x", "model": "m", "train": "t", "runs": [{"name": "a"}]}"#, "needs a \"method\""),
            (#"{"name": "x", "model": "m", "train": "t", "engine": "jax", "runs": [{"name": "a", "method": "prefix"}]}"#, "engine jax: expected native or torch"),
            (#"{"name": "x", "model": "m", "train": "t", "device": "cuda", "runs": [{"name": "a", "method": "prefix"}]}"#, "device needs engine torch"),
            (#"{"name": "x", "model": "m", "train": "t", "engine": "torch", "device": "gpu0", "runs": [{"name": "a", "method": "prefix"}]}"#, "device gpu0: expected cpu, cuda or cuda:N"),
            (#"{"name": "x", "model": "m", "train": "t", "engine": "torch", "precision": "fp16", "runs": [{"name": "a", "method": "prefix"}]}"#, "precision fp16: expected float32 or bf16"),
            (#"{"name": "x", "model": "m", "train": "t", "engine": "torch", "launcher": 3, "runs": [{"name": "a", "method": "prefix"}]}"#, "launcher: expected a string"),
        ] {
            XCTAssertThrowsError(try Experiment.parse(try JSONParser.parse(json), file: "bad.json")) { e in
                XCTAssertTrue("\(e)".hasPrefix("bad.json: "), "\(e)")
                XCTAssertTrue("\(e)".contains(message), "\(e) should say \(message)")
            }
        }
    }

    /// The engine keys become one EngineChoice, and the run's command line chooses it again.
    func testTheTorchEngineKeysAreTheTrainFlags() throws {
        let j = try JSONParser.parse(#"{"name": "g", "model": "m", "train": "t", "engine": "torch", "launcher": "torchrun --nproc-per-node 2", "device": "cuda:1", "precision": "bf16", "runs": [{"name": "a", "method": "prefix"}]}"#)
        let e = try Experiment.parse(j, file: "g.json")
        XCTAssertEqual(e.engine, EngineChoice(launcher: "torchrun --nproc-per-node 2", device: "cuda:1", precision: .bf16))
        let args = e.trainArguments(e.runs[0], outDir: "runs/a")
        XCTAssertTrue(args.joined(separator: " ").contains("--engine torch --launcher torchrun --nproc-per-node 2 --device cuda:1 --precision bf16"), "\(args)")
        XCTAssertNil(try Experiment.parse(try JSONParser.parse(#"{"name": "n", "model": "m", "train": "t", "runs": [{"name": "a", "method": "prefix"}]}"#), file: "n.json").engine)
    }

    func testRunIDsCannotEscapeTheWorkspace() {
        for bad in ["", "..", "../x", "a/b", ".hidden", "a b", "ü"] { XCTAssertFalse(Workspace.isSafeRunID(bad), bad) }
        for good in ["prefix-10", "ft_1", "emb.10"] { XCTAssertTrue(Workspace.isSafeRunID(good), good) }
    }

    func testOneProcessHoldsTheWriteLock() throws {
        let dir = NSTemporaryDirectory() + "prefixlab-lock-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = Workspace(path: dir)
        XCTAssertTrue(try a.create())
        XCTAssertTrue(a.acquireWriteLock())
        // flock is per open file description: a second open in this process conflicts too.
        XCTAssertFalse(Workspace(path: dir).acquireWriteLock())
        for sub in ["runs", "experiments", "exports", "logs"] { XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + sub)) }
    }
}

final class RunManagerTests: XCTestCase {
    /// A launched run is a folder at once: run.json with its spec and status queued, and a
    /// queued event in its log, so a run that fails to start keeps its name and says why. A
    /// queued run cancelled before it starts says so in its folder.
    func testALaunchedRunIsAQueuedFolderWithItsSpec() throws {
        let dir = NSTemporaryDirectory() + "prefixlab-queue-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ws = Workspace(path: dir)
        try ws.create()
        let m = RunManager(executable: "/bin/false", workspace: ws)
        let spec = RunSpec(model: "/m", train: "/t.jsonl", method: Prefix(length: 3).spec)
        try m.enqueueTraining(id: "r1", spec: spec, group: "g")
        let record = try RunRecord.read(dir + "/runs/r1")
        XCTAssertEqual(record.status, .queued)
        XCTAssertEqual(record.group, "g")
        XCTAssertEqual(record.spec, spec)
        XCTAssertEqual(RunStore.readEvents(dir + "/runs/r1/events.jsonl").events.map(\.kind), [.queued])
        XCTAssertTrue(m.owns("r1"))
        XCTAssertThrowsError(try m.enqueueTraining(id: "r1", spec: spec, group: nil)) { XCTAssertTrue("\($0)".contains("exists"), "\($0)") }
        XCTAssertThrowsError(try m.enqueueTraining(id: "../x", spec: spec, group: nil)) { XCTAssertTrue("\($0)".contains("not a safe run name"), "\($0)") }
        m.request("cancel", id: "r1")
        XCTAssertEqual(try RunRecord.read(dir + "/runs/r1").status, .cancelled)
        XCTAssertEqual(RunStore.readEvents(dir + "/runs/r1/events.jsonl").events.last?.kind, .finished(step: 0, outcome: "cancelled"))
    }
}

final class WorkspaceSeedingTests: XCTestCase {
    func testOnlyNewOrEmptyWorkspacesAreSeeded() throws {
        let root = NSTemporaryDirectory() + "prefixlab-seed-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let samples = root + "/samples"
        try FileManager.default.createDirectory(atPath: samples + "/runs/r1", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: samples + "/runs/r1/run.json"))
        // Missing: new, and seeding copies the runs.
        let a = Workspace(path: root + "/a")
        XCTAssertTrue(try a.create())
        try a.seed(from: samples)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/a/runs/r1/run.json"))
        XCTAssertFalse(try a.create(), "seeded once")
        // An empty folder (a test's temp dir): new.
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        XCTAssertTrue(try Workspace(path: root + "/b").create())
        // A workspace `prefixlab run` wrote into: not new, never seeded with the samples.
        try FileManager.default.createDirectory(atPath: root + "/c/runs/mine", withIntermediateDirectories: true)
        XCTAssertFalse(try Workspace(path: root + "/c").create())
        // A seeding cut short: new again.
        try Data().write(to: URL(fileURLWithPath: root + "/c/.seeding"))
        XCTAssertTrue(try Workspace(path: root + "/c").create())
    }
}

/// docs/RUNS.md lists every key of a run spec as the program knows them (`prefixlab spec`).
final class SpecDocsTests: XCTestCase {
    func testRunsMdHoldsTheKeysOfEverySettingAndMethod() throws {
        let text = try String(contentsOfFile: TestPaths.root + "/docs/RUNS.md", encoding: .utf8)
        let begin = try XCTUnwrap(text.range(of: "<!-- spec keys: begin (prefixlab spec) -->\n"))
        let end = try XCTUnwrap(text.range(of: "<!-- spec keys: end -->"))
        XCTAssertEqual(String(text[begin.upperBound..<end.lowerBound]), SpecDocs.markdown(methods: MethodRegistry.descriptors),
                       "docs/RUNS.md is out of date: paste the output of `prefixlab spec` between its markers")
    }
}
