import Foundation
import JSON
import Models
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Issue #14's hostile inputs, each reproduced: nothing is written outside the workspace or
/// the named --out, nothing is lost, and every bad input gets one line naming the file (line,
/// tensor or key) and what was expected, with a non-zero exit.
final class HostileInputTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }
    let pairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"

    func run(_ args: [String], cwd: String? = nil) throws -> (status: Int32, out: String, err: String) { try runProcess(prefixlab, args, cwd: cwd) }

    /// Fails with one line that contains each needle.
    func refused(_ args: [String], _ needles: String..., cwd: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(args, cwd: cwd)
        XCTAssertNotEqual(r.status, 0, "accepted: \(args)", file: file, line: line)
        let errorLines = r.err.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        XCTAssertEqual(errorLines.count, 1, "one error line: \(r.err)", file: file, line: line)
        for n in needles { XCTAssertTrue(r.err.contains(n), "\(args.suffix(4)): stderr lacks \"\(n)\": \(r.err)", file: file, line: line) }
    }

    func train(_ model: String, _ out: String, _ extra: [String]) -> [String] {
        ["train", "--model", model, "--train", pairs, "--method", "prefix", "--prefix-length", "2", "--mid-dim", "8", "--batch-size", "3", "--out", out] + extra
    }

    // 1, 5: experiment keys are a closed set; run names are safe ids and unique.
    func testExperimentsCannotReachOutsideTheWorkspace() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let root = TestPaths.tempDir("exp-hostile")
        try FileManager.default.createDirectory(atPath: root + "/victim/x", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: root + "/victim/x/run.json"))
        func experiment(_ body: String) throws -> String {
            try HostileFiles.write(#"{"name": "e", "model": "\#(model)", "train": "\#(pairs)", \#(body)}"#, root, "e.json")
        }
        try refused(["run", try experiment(#""runs": [{"name": "a", "method": "prefix", "resume": "\#(root)/victim/x"}]"#), "--workspace", root + "/ws"],
                    "e.json", "runs[0].resume: unknown key")
        try refused(["run", try experiment(#""sweep": {"base": {}, "method": ["../../victim/x"], "prefix_length": [2]}"#), "--workspace", root + "/ws"],
                    "sweep.method ../../victim/x: unknown method")
        try refused(["run", try experiment(#""runs": [{"name": "a", "method": "prefix"}, {"name": "a", "method": "finetune"}]"#), "--workspace", root + "/ws"],
                    "a run named a is listed twice")
        try refused(["run", try experiment(#""runs": [{"name": "../a", "method": "prefix"}]"#), "--workspace", root + "/ws"], "must be letters")
        try refused(["run", try experiment(#""runs": [{"name": "a", "method": "prefix", "out": "/tmp/x"}]"#), "--workspace", root + "/ws"], "runs[0].out: unknown key")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/victim/x"), ["run.json"], "the victim is untouched")
    }

    // 2: a bare id is WORKSPACE/runs/ID only.
    func testRunsRmOfAnIdNeverTouchesTheCurrentFolder() throws {
        let root = TestPaths.tempDir("rm")
        try FileManager.default.createDirectory(atPath: root + "/r1", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: root + "/r1/run.json"))
        try FileManager.default.createDirectory(atPath: root + "/ws/runs", withIntermediateDirectories: true)
        try refused(["runs", "rm", "r1", "--workspace", root + "/ws"], "no run of that id in", cwd: root)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/r1/run.json"), "./r1 kept")
        try refused(["runs", "rm", "..", "--workspace", root + "/ws"], "not a run id", cwd: root)
    }

    // 3: pretrain refuses an existing folder and creates nothing before it has checked everything.
    func testPretrainNeverOverwritesAModelAndCreatesNothingOnBadInput() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let before = try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors"))
        let corpus = try HostileFiles.write("one document\n", TestPaths.tempDir("pre"), "c.txt")
        try refused(["pretrain", "--corpus", corpus, "--tokenizer", TestPaths.gpt2Tokenizer, "--out", model, "--max-steps", "1"], "exists")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors")), before)
        let out = TestPaths.tempDir("pre2") + "/m"
        let bad = try HostileFiles.write("{\"title\": 1}\n", TestPaths.tempDir("pre3"), "bad.jsonl")
        try refused(["pretrain", "--corpus", bad, "--tokenizer", TestPaths.gpt2Tokenizer, "--out", out, "--max-steps", "1", "--n-embd", "16", "--n-head", "2"],
                    "bad.jsonl:1:")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing created")
        try refused(["pretrain", "--corpus", corpus, "--tokenizer", TestPaths.gpt2Tokenizer, "--out", out, "--n-embd", "1000000000"], "n_embd 1000000000 is outside")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    // 4: one process trains a run at a time.
    func testASecondTrainerOfTheSameRunIsRefusedAndTheFirstGoesOn() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let dir = TestPaths.tempDir("lock") + "/runs/r"
        let p = Process()
        p.executableURL = prefixlab
        p.arguments = train(model, dir, ["--epochs", "100000", "--max-steps", "400", "--checkpoint-every", "5"])
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: dir + "/checkpoints/step-000005") && Date() < deadline { usleep(20_000) }
        try refused(["train", "--resume", dir], "locked by process \(p.processIdentifier)")
        try refused(["runs", "rm", dir + "/"], "being trained")
        try Data("pause\n".utf8).write(to: URL(fileURLWithPath: dir + "/control"))
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let info = try JSONParser.parse(String(contentsOfFile: dir + "/run.json", encoding: .utf8))
        XCTAssertEqual(info["status"]?.string, "paused", "the refused second trainer marked nothing")
        let steps = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"]?.string == "step" }.map { $0["step"]!.int! }
        XCTAssertEqual(steps, Array(1...steps.count), "no step twice")
    }

    // 6, 10: token ids outside the model's vocabulary are refused at load, for every command.
    func testVocabularyIdsAreCheckedAgainstTheModelAtLoad() throws {
        for id in [50257, 2_147_483_646] {
            let model = try TestPaths.modelFolder("tiny-f32")
            try HostileFiles.addVocabToken(model, id: id)
            let out = TestPaths.tempDir("vocab") + "/r"
            let needle = id == 50257 ? "config.json's vocab_size is 50257" : "has id 2147483646; expected 0 to"
            try refused(train(model, out, ["--max-steps", "1"]), needle)
            try refused(["generate", "--model", model, "--data", pairs, "--out", out + ".txt"], needle)
            try refused(["lm-score", "--model", model, "--pairs", pairs], needle)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
    }

    // 7, 17: config.json sizes and fields are checked before anything is allocated.
    func testConfigsAreBoundedAndTyped() throws {
        for (edit, needle) in [({ (c: inout [String: Any]) in c["n_embd"] = 1_000_000_000 }, "n_embd 1000000000 is outside 1...65536"),
                               ({ c in c["n_layer"] = 100_000 }, "n_layer 100000 is outside 1...1024"),
                               ({ c in c["vocab_size"] = 1_000_000_000 }, "vocab_size 1000000000 is outside"),
                               ({ c in c["n_positions"] = 1_000_000_000 }, "n_positions 1000000000 is outside"),
                               ({ c in c["n_inner"] = 1_000_000_000 }, "n_inner 1000000000 is outside"),
                               ({ c in c["layer_norm_epsilon"] = -1 }, "layer_norm_epsilon -1.0 must be a positive number"),
                               ({ c in c["layer_norm_epsilon"] = "1e-5" }, "layer_norm_epsilon must be a number"),
                               ({ c in c["activation_function"] = 3 }, "activation_function must be a string"),
                               ({ c in c["bos_token_id"] = 99_999_999 }, "bos_token_id 99999999 is outside the vocabulary"),
                               ({ c in c["model_type"] = "t5" }, "model_type 't5' is not supported (supported: gpt2, bart)")] as [((inout [String: Any]) -> Void, String)] {
            let model = try TestPaths.modelFolder("tiny-f32")
            try HostileFiles.editConfig(model, edit)
            try refused(["lm-score", "--model", model, "--pairs", pairs], "config.json", needle)
        }
    }

    // 8, 18, 21: every option is bounded before anything is created, the range in the message.
    func testOptionsAreBoundedWithTheirRangeInTheMessage() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let out = TestPaths.tempDir("opts") + "/r"
        for (flags, needle) in [(["--eval-every", "0"], "--eval-every must be at least 1 (a whole number from 1 to 1000000000), got 0"),
                                (["--eval-every", "-1"], "--eval-every must be at least 1"),
                                (["--batch-size", "1000000"], "--batch-size must be at most 4096"),
                                (["--mid-dim", "1000000000"], "--mid-dim must be at most 65536"),
                                (["--copy-share", "0.5", "--copy-span", "1-9223372036854775807"], "--copy-span 1-9223372036854775807: expected MIN-MAX with 1 ≤ MIN ≤ MAX ≤ 2048"),
                                (["--eval-beam", "100000"], "--eval-beam must be at most 64"),
                                (["--eval-beam", "-2"], "--eval-beam must be at least 1"),
                                (["--eval-max-new-tokens", "1000000"], "--eval-max-new-tokens must be at most 4096"),
                                (["--eval-max-new-tokens", "-1"], "--eval-max-new-tokens must be at least 1"),
                                (["--early-stop", "-1"], "--early-stop must be at least 1"),
                                (["--warmup-steps", "-100"], "--warmup-steps must be at least 0"),
                                (["--eval-bleu", "-5"], "--eval-bleu must be at least 0"),
                                (["--max-steps", "9223372036854775807"], "--max-steps must be at most 1000000000"),
                                (["--lr", "nan"], "--lr"),
                                (["--threads", "1000"], "--threads must be from 1 to 256"),
                                (["--test", pairs, "--eval-test", "--eval-max-new-tokens", "4000"], "with 2 virtual and 4000 new tokens (--eval-max-new-tokens) that passes n_positions 80")] {
            try refused(train(model, out, flags), needle)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(flags): nothing created")
        }
        try refused(["generate", "--model", model, "--data", pairs, "--beam", "100000", "--out", out + ".txt"], "--beam must be from 1 to 64")
        // A cap past the schedule's end stops at the end and says so (18).
        let r = try run(train(model, out, ["--epochs", "1", "--max-steps", "30"]))
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("is past the learning-rate schedule's"), r.err)
        let info = try JSONParser.parse(String(contentsOfFile: out + "/run.json", encoding: .utf8))
        XCTAssertLessThan(info["steps_done"]!.int!, 30)
    }

    // 9, 12, 13: resume never trusts a checkpoint: a damaged one is skipped, an old one used,
    // none means step 0 in place.
    func testResumeFallsBackPastDamagedCheckpointsAndRestartsARunWithNone() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let dir = TestPaths.tempDir("ckpt") + "/runs/r"
        var r = try run(train(model, dir, ["--max-steps", "6", "--checkpoint-every", "2", "--keep-checkpoints", "3"]))
        XCTAssertEqual(r.status, 0, r.err)
        let ck = dir + "/checkpoints"
        try FileManager.default.removeItem(atPath: ck + "/step-000006/trainable.safetensors")
        try Data(#"{"step": -5, "optimizer_step": 0}"#.utf8).write(to: URL(fileURLWithPath: ck + "/step-000004/state.json"))
        try JSONSerialization.data(withJSONObject: ["status": "running", "pid": 999_999_999].merging(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run.json"))) as! [String: Any]) { a, _ in a })
            .write(to: URL(fileURLWithPath: dir + "/run.json"))
        r = try run(["train", "--resume", dir, "--max-steps", "8"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("checkpoint step-000006 is damaged"), r.err)
        XCTAssertTrue(r.err.contains("checkpoint step-000004 is damaged") && r.err.contains("expected 1 ≤ step"), r.err)
        XCTAssertTrue(r.err.contains("resuming from step 2"), r.err)

        // Killed before its first checkpoint: no checkpoints, status running, pid dead.
        let fresh = TestPaths.tempDir("ckpt2") + "/runs/k"
        r = try run(train(model, fresh, ["--max-steps", "2"]))
        XCTAssertEqual(r.status, 0, r.err)
        try FileManager.default.removeItem(atPath: fresh + "/checkpoints")
        r = try run(["train", "--resume", fresh, "--max-steps", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("no checkpoint yet; starting from step 0"), r.err)
        let info = try JSONParser.parse(String(contentsOfFile: fresh + "/run.json", encoding: .utf8))
        XCTAssertEqual(info["status"]?.string, "done")
        XCTAssertEqual(info["steps_done"]?.int, 3)
    }

    // 14: a torn last line is ended before the next event, which is then readable.
    func testATornLastLineDoesNotSwallowTheNextEvent() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let dir = TestPaths.tempDir("torn") + "/runs/r"
        var r = try run(train(model, dir, ["--max-steps", "2", "--checkpoint-every", "1"]))
        XCTAssertEqual(r.status, 0, r.err)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/events.jsonl"))
        h.seekToEndOfFile(); h.write(Data(#"{"type": "step", "run": "r", "st"#.utf8)); try h.close()
        r = try run(["train", "--resume", dir, "--max-steps", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n")
        let resumed = lines.filter { $0.contains("\"type\": \"resumed\"") }
        XCTAssertEqual(resumed.count, 1)
        XCTAssertTrue(resumed[0].hasPrefix("{\"type\": \"resumed\""), "not joined to the torn line: \(resumed[0])")
    }

    // 15, 20: an initialisation that cannot work fails before the folder exists; a bad --out
    // is one line; control bytes from files are escaped.
    func testFailuresBeforeTheStartCreateNothingAndPrintOneCleanLine() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let root = TestPaths.tempDir("init")
        try refused(train(model, root + "/r", ["--init", "words:", "--reparam", "none"]), "--init words: needs some text")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/r"))
        let file = try HostileFiles.write("x", root, "file")
        try refused(train(model, file + "/sub/r", ["--max-steps", "1"]), "cannot create the run folder")
        let csv = try HostileFiles.write("mr,ref\n\"name[Evil\u{1B}[2J]\",x\n", root, "bad.csv")
        let r = try run(["data", csv + "x"])
        XCTAssertNotEqual(r.status, 0)
        let e = try run(["score", "--hyp", csv, "--refs", try HostileFiles.write("mr,ref\nname[\u{1B}]x],y\n", root, "esc.csv")])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertFalse(e.err.contains("\u{1B}"), "no raw ESC on the terminal: \(e.err.debugDescription)")
        XCTAssertTrue(e.err.contains("\\u{1b}"), e.err)
    }

    // 11: safetensors headers that lie.
    func testSafetensorsHeadersThatLieAreRefused() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let weights = model + "/model.safetensors"
        for (length, delta, needle) in [(UInt64(1) << 63, Int64(0), "header length 9223372036854775808 is above the format's limit"),
                                        (UInt64.max, 0, "header length 18446744073709551615 is above the format's limit"),
                                        (nil, -1, "a wrong header length")] as [(UInt64?, Int64, String)] {
            let copy = try TestPaths.modelFolder("tiny-f32")
            try HostileFiles.safetensors(from: weights, to: copy + "/model.safetensors", headerLength: length, delta: delta)
            try refused(["lm-score", "--model", copy, "--pairs", pairs], "model.safetensors", needle)
        }
        let fifo = try TestPaths.modelFolder("tiny-f32")
        try FileManager.default.removeItem(atPath: fifo + "/model.safetensors")
        XCTAssertEqual(mkfifo(fifo + "/model.safetensors", 0o644), 0)
        try refused(["lm-score", "--model", fifo, "--pairs", pairs], "model.safetensors: not a regular file")
    }

    // 16, 22: CRLF files read like LF files; sources group over the whole file.
    func testCRLFAndScatteredReferences() throws {
        let root = TestPaths.tempDir("crlf")
        let refs = try HostileFiles.write(#"{"source": "a", "target": "A one."}"# + "\n" + #"{"source": "b", "target": "B."}"# + "\n"
                                          + #"{"source": "a", "target": "A two."}"# + "\n", root, "refs.jsonl")
        let hyp = try HostileFiles.write("A one.\r\nB.\r\n", root, "hyp.txt")
        let s = try run(["score", "--hyp", hyp, "--refs", refs, "--json"])
        XCTAssertEqual(s.status, 0, s.err)
        XCTAssertEqual(try JSONParser.parse(s.out)["BLEU"]?.number.map { $0 > 0.99 }, true, "two sources, a's two references: \(s.out)")
        let model = try TestPaths.modelFolder("tiny-f32")
        let g = try run(["generate", "--model", model, "--data", refs, "--beam", "1", "--max-new-tokens", "2", "--out", root + "/out.txt"])
        XCTAssertEqual(g.status, 0, g.err)
        XCTAssertEqual(try String(contentsOfFile: root + "/out.txt", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count - 1, 2,
                       "one output line per unique source")
        // A CRLF merges.txt loses no merge.
        let crlf = try TestPaths.modelFolder("tiny-f32")
        let merges = try String(contentsOfFile: crlf + "/merges.txt", encoding: .utf8)
        try merges.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: crlf + "/merges.txt", atomically: true, encoding: .utf8)
        let a = try run(["lm-score", "--model", model, "--pairs", pairs, "--json"]), b = try run(["lm-score", "--model", crlf, "--pairs", pairs, "--json"])
        XCTAssertEqual(a.status, 0, a.err); XCTAssertEqual(b.status, 0, b.err)
        XCTAssertEqual(a.out, b.out, "the same tokens, so the same scores")
    }
}
