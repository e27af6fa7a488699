import Foundation
import XCTest
import JSON
import Decoding
import Models
import Specs
import TestSupport
import Tuning

/// `prefixlab generate --model BART_DIR`, run as a user runs it: with BART-XSUM's flags
/// (`--beam 6 --max-new-tokens 61 --min-new-tokens 10 --no-repeat-ngram 3 --early-stopping`,
/// which are max_length 62 and min_length 11) and greedily, each output's ids are
/// transformers' `generate` ids (the fixture's, without the start token and the final </s>).
final class BARTGenerateCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func testGenerateWritesTransformersOutputs() throws {
        let dir = TestPaths.fixtures + "/bart/tiny"
        let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
        let tmp = TestPaths.tempDir("bart-generate")
        for (key, flags) in [("xsum", ["--beam", "6", "--max-new-tokens", "61", "--min-new-tokens", "10", "--no-repeat-ngram", "3", "--early-stopping"]),
                             ("greedy", ["--beam", "1", "--max-new-tokens", "20"]), ("beam4", ["--beam", "4", "--max-new-tokens", "20"])] {
            let out = tmp + "/\(key).txt"
            let r = try runProcess(prefixlab, ["generate", "--model", dir, "--data", TestPaths.fixtures + "/bart/pairs.jsonl", "--out", out] + flags)
            XCTAssertEqual(r.status, 0, r.err)
            let got = try String(contentsOfFile: out + ".jsonl", encoding: .utf8).split(separator: "\n").map { line in
                try JSONParser.parse(String(line))["output_ids"]!.array!.map { $0.int! }
            }
            let want = meta["generate"]![key]!["output_ids"]!.array!.map { $0.array!.map { $0.int! } }
            XCTAssertEqual(got, want, key)
        }
        let refused = try runProcess(prefixlab, ["generate", "--model", dir, "--data", TestPaths.fixtures + "/bart/pairs.jsonl", "--sample", "--beam", "1", "--out", tmp + "/s.txt"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("--sample on an encoder-decoder"), refused.err)
    }

    /// `train --method finetune` on BART, run as a user runs it, with the fixture's settings
    /// (the three pairs in one batch, lr 1e-2 decaying linearly over 3 steps, no warm-up, clip
    /// 1.0): the first step's loss is transformers' and the final checkpoint's weights moved as
    /// transformers' 3 AdamW steps moved them (within 1e-4 of each tensor's largest change,
    /// the noise-only key biases left out); the checkpoint generates with `generate --run`;
    /// the methods BART does not have yet are refused before a folder exists.
    func testFineTuningBARTEndToEnd() throws {
        let dir = TestPaths.fixtures + "/bart/tiny", pairs = TestPaths.fixtures + "/bart/pairs.jsonl"
        let tmp = TestPaths.tempDir("bart-train")
        let r = try runProcess(prefixlab, ["train", "--model", dir, "--train", pairs, "--method", "finetune", "--dropout", "0", "--batch-size", "3",
                                           "--lr", "1e-2", "--warmup-steps", "0", "--epochs", "3", "--checkpoint-every", "3", "--out", tmp + "/run"])
        XCTAssertEqual(r.status, 0, r.err)
        let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
        let steps = try String(contentsOfFile: tmp + "/run/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"]?.string == "step" }
        XCTAssertEqual(steps.count, 3)
        XCTAssertEqual(steps.first?["loss"]?.number ?? 0, meta["train"]!["loss"]!.number!, accuracy: 1e-4)
        let before = try SafeTensorsFile(path: dir + "/model.safetensors"), after = try SafeTensorsFile(path: tmp + "/run/checkpoints/step-000003/model/model.safetensors")
        let ref = try SafeTensorsFile(path: dir + "/gradients.safetensors")
        let sample = meta["sample_ids"]!.array!.map { $0.int! }
        for name in ["model.shared.weight", "model.encoder.layers.0.fc1.weight", "model.decoder.layers.1.encoder_attn.v_proj.weight", "model.decoder.layers.1.final_layer_norm.bias"] {
            var delta = zip(try after.floats(name), try before.floats(name)).map { $0 - $1 }
            if name == "model.shared.weight" { delta = sample.flatMap { id in delta[(id * 16)..<(id * 16 + 16)] } }
            let want = try ref.floats("delta." + name), scale = want.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(delta, want).map { abs($0 - $1) }.max()!, 1e-4 * scale, name)
        }
        let g = try runProcess(prefixlab, ["generate", "--run", tmp + "/run", "--data", pairs, "--beam", "2", "--max-new-tokens", "10", "--out", tmp + "/out.txt"])
        XCTAssertEqual(g.status, 0, g.err)
        XCTAssertEqual(try String(contentsOfFile: tmp + "/out.txt.jsonl", encoding: .utf8).split(separator: "\n").count, 3)
        // BartConfig's float fields stay floats: transformers 5.x refuses `"dropout": 0`.
        let config = try String(contentsOfFile: tmp + "/run/checkpoints/step-000003/model/config.json", encoding: .utf8)
        for key in ["dropout", "attention_dropout", "activation_dropout", "encoder_layerdrop", "decoder_layerdrop"] {
            XCTAssertTrue(config.contains("\"\(key)\": 0.0"), "\(key) in \(config)")
        }
        XCTAssertTrue(config.contains("\"d_model\": 16"), config)
        // The copy probe of an encoder-decoder: the span as the source, or an unrelated one.
        let probe = try runProcess(prefixlab, ["probe", "copy", "--model", dir, "--spans", "3", "--span-length", "6", "--json"])
        XCTAssertEqual(probe.status, 0, probe.err)
        XCTAssertTrue(probe.out.contains("encoder-decoder): unrelated source loss"), probe.out)
        let p = try JSONParser.parse(probe.out.split(separator: "\n").last.map(String.init) ?? "")
        for k in ["first_loss", "first_top1", "second_loss", "second_top1"] { XCTAssertNotNil(p[k]?.number, k) }
        for (flags, needle) in [(["--method", "infix"], "infix rows sit between the source and the target of one sequence; an encoder-decoder (BART) has no such place")] {
            let bad = try runProcess(prefixlab, ["train", "--model", dir, "--train", pairs, "--out", tmp + "/refused"] + flags)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.err.contains(needle), bad.err)
            XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/refused"))
        }
    }

    /// `train --method prefix` on BART (the original code's three prefixes), run as a user runs
    /// it: the loss falls over 3 steps on the fixture's batch; the checkpoint holds one folded
    /// tensor per kind in the documented layout (`<kind>.prompt_embeddings`, (P, 2·L·C)); `generate
    /// --run` decodes with those rows as the decoder in-process does (and not as the base model);
    /// `export` refuses the run, saying why, and writes nothing; a kind list that is not one, an
    /// encoder prefix on GPT-2 is refused before a folder exists.
    func testPrefixTuningBARTEndToEnd() throws {
        let tmp = TestPaths.tempDir("bart-prefix"), dir = try deepWithTokenizer(tmp), pairs = TestPaths.fixtures + "/bart/pairs.jsonl"
        let r = try runProcess(prefixlab, ["train", "--model", dir, "--train", pairs, "--method", "prefix", "--prefix-length", "3", "--mid-dim", "8",
                                           "--prefix-kinds", "encoder,decoder,cross", "--batch-size", "3", "--lr", "1e-2", "--warmup-steps", "0",
                                           "--epochs", "3", "--checkpoint-every", "3", "--out", tmp + "/run"])
        XCTAssertEqual(r.status, 0, r.err)
        let losses = try String(contentsOfFile: tmp + "/run/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"]?.string == "step" }.compactMap { $0["loss"]?.number }
        XCTAssertEqual(losses.count, 3)
        XCTAssertLessThan(losses.last!, losses.first!, "\(losses)")
        let ckpt = tmp + "/run/checkpoints/step-000003"
        let folded = try SafeTensorsFile(path: ckpt + "/prefix.safetensors")
        // deep: 3 encoder layers, 2 decoder layers, d_model 16.
        for (name, width) in [("encoder", 2 * 3 * 16), ("decoder", 2 * 2 * 16), ("cross", 2 * 2 * 16)] {
            XCTAssertEqual(folded[name + ".prompt_embeddings"]?.shape, [3, width], name)
        }
        let out = tmp + "/out.txt"
        let g = try runProcess(prefixlab, ["generate", "--run", tmp + "/run", "--data", pairs, "--beam", "3", "--max-new-tokens", "12",
                                           "--min-new-tokens", "6", "--out", out])
        XCTAssertEqual(g.status, 0, g.err)
        let got = try String(contentsOfFile: out + ".jsonl", encoding: .utf8).split(separator: "\n").map { line in
            try JSONParser.parse(String(line))["output_ids"]!.array!.map { Int32($0.int!) }
        }
        let model = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
        let setup = try Prefix(length: 3, midDim: 8).decoding(checkpoint: ckpt, baseModel: dir)
        var settings = GenerationSettings()
        settings.beams = 3; settings.maxNewTokens = 12; settings.minNewTokens = 6
        let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
        let documents = meta["batch"]!["encoder_ids"]!.array!.map { $0.array!.map { Int32($0.int!) } }
        XCTAssertEqual(got, Seq2SeqDecoder(model: model, settings: settings, prefix: setup.conditioning.seq2seqPrefix).generate(documents: documents))
        XCTAssertNotEqual(got, Seq2SeqDecoder(model: model, settings: settings).generate(documents: documents), "the prefix changes nothing")
        let ev = try runProcess(prefixlab, ["evaluate", "--run", tmp + "/run", "--test", pairs, "--beam", "2", "--max-new-tokens", "8"])
        XCTAssertEqual(ev.status, 0, ev.err)
        // Summaries (document/summary lines) also get rouge-score's ROUGE-1/2/L in metrics.json.
        let docs = tmp + "/docs.jsonl"
        try #"{"document": "The Eagle is a coffee shop by the river.", "summary": "A coffee shop."}"#.appending("\n").write(toFile: docs, atomically: true, encoding: .utf8)
        XCTAssertNil(try JSONParser.parse(String(contentsOfFile: tmp + "/run/metrics.json", encoding: .utf8))["test"]?["rouge1"])
        XCTAssertEqual(try runProcess(prefixlab, ["evaluate", "--run", tmp + "/run", "--test", docs, "--max-new-tokens", "8"]).status, 0)
        let summaryMetrics = try JSONParser.parse(String(contentsOfFile: tmp + "/run/metrics.json", encoding: .utf8))["test"]
        for k in ["rouge1", "rouge2", "rougeL"] { XCTAssertNotNil(summaryMetrics?[k]?.number, k) }
        let e = try runProcess(prefixlab, ["export", "--run", tmp + "/run", "--out", tmp + "/exported"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.err.contains("cannot be written as a PEFT adapter") && e.err.contains("prompt_embeddings"), e.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/exported"))
        for (model, flags, needle) in [(dir, ["--prefix-kinds", "encoder,self"], "method.prefix_kinds encoder,self: expected all"),
                                       (TestPaths.root + "/samples/models/gpt2-e2e-mini", ["--prefix-kinds", "encoder"], "this model is decoder-only")] {
            let bad = try runProcess(prefixlab, ["train", "--model", model, "--train", pairs, "--method", "prefix", "--out", tmp + "/refused"] + flags)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.err.contains(needle), bad.err)
            XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/refused"))
        }
    }

    /// `--prefix-kinds peft` (PEFT's seq2seq PrefixTuning, trained as PEFT trains it: the tensor
    /// test is BARTPrefixTuneTests) exports to a PEFT SEQ_2_SEQ_LM adapter that `lm-score
    /// --adapter` reads (as PEFT's forward scores it: LMScoreCommandTests) and that starts a new
    /// run with `--init-adapter`; unequal encoder and decoder depths are refused. `--method
    /// embedding` exports PEFT's seq2seq PromptTuning adapter the same way.
    func testPEFTVariantAndEmbeddingExportPEFTAdapters() throws {
        let dir = TestPaths.fixtures + "/bart/tiny", pairs = TestPaths.fixtures + "/bart/pairs.jsonl"
        let tmp = TestPaths.tempDir("bart-peft")
        let common = ["--train", pairs, "--method", "prefix", "--prefix-kinds", "peft", "--prefix-length", "3", "--mid-dim", "8", "--batch-size", "3",
                      "--lr", "1e-2", "--warmup-steps", "0", "--epochs", "3", "--checkpoint-every", "3"]
        let r = try runProcess(prefixlab, ["train", "--model", dir, "--out", tmp + "/run"] + common)
        XCTAssertEqual(r.status, 0, r.err)
        let e = try runProcess(prefixlab, ["export", "--run", tmp + "/run", "--out", tmp + "/adapter"])
        XCTAssertEqual(e.status, 0, e.err)
        let cfg = try JSONParser.parse(String(contentsOfFile: tmp + "/adapter/adapter_config.json", encoding: .utf8))
        XCTAssertEqual(cfg["task_type"]?.string, "SEQ_2_SEQ_LM")
        XCTAssertEqual(cfg["num_layers"]?.int, 2)
        XCTAssertEqual(cfg["num_transformer_submodules"]?.int, 2)
        XCTAssertEqual(try SafeTensorsFile(path: tmp + "/adapter/adapter_model.safetensors")["prompt_embeddings"]?.shape, [3, 2 * 2 * 16])
        func meanNLL(_ extra: [String]) throws -> Double {
            let s = try runProcess(prefixlab, ["lm-score", "--model", dir, "--pairs", pairs, "--json"] + extra)
            XCTAssertEqual(s.status, 0, s.err)
            return try JSONParser.parse(s.out)["mean_nll"]!.number!
        }
        XCTAssertNotEqual(try meanNLL(["--adapter", tmp + "/adapter"]), try meanNLL([]), accuracy: 1e-6)
        let again = try runProcess(prefixlab, ["train", "--model", dir, "--out", tmp + "/again", "--init-adapter", tmp + "/adapter"] + common)
        XCTAssertEqual(again.status, 0, again.err)
        // Embedding-only: PEFT's seq2seq PromptTuning, exported with PEFT's second (unread) block of P rows.
        let emb = try runProcess(prefixlab, ["train", "--model", dir, "--out", tmp + "/emb", "--train", pairs, "--method", "embedding", "--prefix-length", "3",
                                             "--batch-size", "3", "--epochs", "3", "--checkpoint-every", "3"])
        XCTAssertEqual(emb.status, 0, emb.err)
        XCTAssertEqual(try runProcess(prefixlab, ["export", "--run", tmp + "/emb", "--out", tmp + "/prompt"]).status, 0)
        let pcfg = try JSONParser.parse(String(contentsOfFile: tmp + "/prompt/adapter_config.json", encoding: .utf8))
        XCTAssertEqual(pcfg["peft_type"]?.string, "PROMPT_TUNING")
        XCTAssertEqual(pcfg["task_type"]?.string, "SEQ_2_SEQ_LM")
        XCTAssertEqual(try SafeTensorsFile(path: tmp + "/prompt/adapter_model.safetensors")["prompt_embeddings"]?.shape, [6, 16])
        XCTAssertNotEqual(try meanNLL(["--adapter", tmp + "/prompt"]), try meanNLL([]), accuracy: 1e-6)
        XCTAssertEqual(try runProcess(prefixlab, ["generate", "--run", tmp + "/emb", "--data", pairs, "--max-new-tokens", "6", "--out", tmp + "/e.txt"]).status, 0)
        let deep = try runProcess(prefixlab, ["train", "--model", try deepWithTokenizer(tmp), "--out", tmp + "/refused"] + common)
        XCTAssertNotEqual(deep.status, 0)
        XCTAssertTrue(deep.err.contains("cannot run on unequal depths"), deep.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/refused"))
    }

    /// `train --method lora` on BART as a user runs it (PEFT's default targets, q_proj and v_proj
    /// of every attention): the loss falls, the test split is generated and scored at the end
    /// (the update merged while decoding), `generate --run` decodes, `export` writes a PEFT
    /// SEQ_2_SEQ_LM LoRA adapter that `lm-score --adapter` reads and that scores the pairs better
    /// than the base model; `--init-adapter` starts from it.
    func testLoRABARTEndToEnd() throws {
        let dir = TestPaths.fixtures + "/bart/tiny", pairs = TestPaths.fixtures + "/bart/pairs.jsonl"
        let tmp = TestPaths.tempDir("bart-lora")
        let common = ["--train", pairs, "--method", "lora", "--lora-r", "2", "--batch-size", "3", "--lr", "5e-2", "--warmup-steps", "0",
                      "--epochs", "6", "--checkpoint-every", "6"]
        let r = try runProcess(prefixlab, ["train", "--model", dir, "--out", tmp + "/run", "--test", pairs, "--eval-test", "--eval-max-new-tokens", "6"] + common)
        XCTAssertEqual(r.status, 0, r.err)
        let losses = try String(contentsOfFile: tmp + "/run/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"]?.string == "step" }.map { $0["loss"]!.number! }
        XCTAssertEqual(losses.count, 6)
        XCTAssertLessThan(losses.last!, losses.first!)
        XCTAssertNotNil(try JSONParser.parse(String(contentsOfFile: tmp + "/run/metrics.json", encoding: .utf8))["test"]?["BLEU"]?.number)
        let g = try runProcess(prefixlab, ["generate", "--run", tmp + "/run", "--data", pairs, "--max-new-tokens", "6", "--out", tmp + "/out.txt"])
        XCTAssertEqual(g.status, 0, g.err)
        XCTAssertEqual(try String(contentsOfFile: tmp + "/out.txt", encoding: .utf8), try String(contentsOfFile: tmp + "/run/outputs/test.txt", encoding: .utf8),
                       "generate --run decodes as the run's own test evaluation (greedy, 6 new tokens)")
        let e = try runProcess(prefixlab, ["export", "--run", tmp + "/run", "--out", tmp + "/adapter"])
        XCTAssertEqual(e.status, 0, e.err)
        let cfg = try JSONParser.parse(String(contentsOfFile: tmp + "/adapter/adapter_config.json", encoding: .utf8))
        XCTAssertEqual(cfg["task_type"]?.string, "SEQ_2_SEQ_LM")
        XCTAssertEqual(cfg["fan_in_fan_out"]?.bool, false)
        XCTAssertEqual(cfg["target_modules"]?.array?.compactMap(\.string), ["q_proj", "v_proj"])
        XCTAssertEqual(try SafeTensorsFile(path: tmp + "/adapter/adapter_model.safetensors")["base_model.model.model.decoder.layers.1.encoder_attn.v_proj.lora_B.weight"]?.shape, [16, 2])
        func meanNLL(_ extra: [String]) throws -> Double {
            let s = try runProcess(prefixlab, ["lm-score", "--model", dir, "--pairs", pairs, "--json"] + extra)
            XCTAssertEqual(s.status, 0, s.err)
            return try JSONParser.parse(s.out)["mean_nll"]!.number!
        }
        XCTAssertLessThan(try meanNLL(["--adapter", tmp + "/adapter"]), try meanNLL([]) - 0.01)
        let again = try runProcess(prefixlab, ["train", "--model", dir, "--out", tmp + "/again", "--init-adapter", tmp + "/adapter"] + common)
        XCTAssertEqual(again.status, 0, again.err)
    }

    /// `train --method adapter` on BART as a user runs it (houlsby, on the 3+2-layer model): the
    /// loss falls, the test split is generated at the end, `generate --run` decodes as that
    /// evaluation did and not as the base model, `export` needs `--format bottleneck` and writes
    /// the adapters under the layers' paths for both stacks.
    func testAdapterBARTEndToEnd() throws {
        let tmp = TestPaths.tempDir("bart-adapter"), dir = try deepWithTokenizer(tmp), pairs = TestPaths.fixtures + "/bart/pairs.jsonl"
        let r = try runProcess(prefixlab, ["train", "--model", dir, "--train", pairs, "--method", "adapter", "--adapter-design", "houlsby",
                                           "--adapter-bottleneck", "4", "--batch-size", "3", "--lr", "5e-2", "--warmup-steps", "0", "--epochs", "6",
                                           "--checkpoint-every", "6", "--test", pairs, "--eval-test", "--eval-max-new-tokens", "6", "--out", tmp + "/run"])
        XCTAssertEqual(r.status, 0, r.err)
        let losses = try String(contentsOfFile: tmp + "/run/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"]?.string == "step" }.map { $0["loss"]!.number! }
        XCTAssertEqual(losses.count, 6)
        XCTAssertLessThan(losses.last!, losses.first!)
        let g = try runProcess(prefixlab, ["generate", "--run", tmp + "/run", "--data", pairs, "--max-new-tokens", "6", "--out", tmp + "/out.txt"])
        XCTAssertEqual(g.status, 0, g.err)
        let out = try String(contentsOfFile: tmp + "/out.txt", encoding: .utf8)
        XCTAssertEqual(out, try String(contentsOfFile: tmp + "/run/outputs/test.txt", encoding: .utf8), "generate --run decodes as the run's own test evaluation")
        let base = try runProcess(prefixlab, ["generate", "--model", dir, "--data", pairs, "--max-new-tokens", "6", "--out", tmp + "/base.txt"])
        XCTAssertEqual(base.status, 0, base.err)
        XCTAssertNotEqual(out, try String(contentsOfFile: tmp + "/base.txt", encoding: .utf8), "the adapters change what the model writes")
        let plain = try runProcess(prefixlab, ["export", "--run", tmp + "/run", "--out", tmp + "/refused"])
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.err.contains("an adapter run exports with --format bottleneck"), plain.err)
        let e = try runProcess(prefixlab, ["export", "--run", tmp + "/run", "--format", "bottleneck", "--out", tmp + "/adapter"])
        XCTAssertEqual(e.status, 0, e.err)
        let cfg = try JSONParser.parse(String(contentsOfFile: tmp + "/adapter/adapter_config.json", encoding: .utf8))
        XCTAssertEqual(cfg["n_layer"]?.int, 5)
        let file = try SafeTensorsFile(path: tmp + "/adapter/adapter_model.safetensors")
        XCTAssertEqual(file["model.encoder.layers.2.adapter_block2.project_down.weight"]?.shape, [4, 16])
        XCTAssertEqual(file["model.decoder.layers.1.adapter_block.project_up.weight"]?.shape, [16, 4])
    }

    /// The test evaluation decodes with generate's settings (the paper's XSUM evaluation sets
    /// min new tokens, no repeated n-gram, early stopping): `train --eval-min-new-tokens …`
    /// writes the outputs `generate --run` writes with the same flags, records them in
    /// metrics.json and the run's command line, and refuses more min than max new tokens.
    func testTheTestEvaluationDecodesWithGeneratesSettings() throws {
        let dir = TestPaths.fixtures + "/bart/tiny", pairs = TestPaths.fixtures + "/bart/pairs.jsonl", tmp = TestPaths.tempDir("bart-eval-settings")
        let common = ["train", "--model", dir, "--train", pairs, "--test", pairs, "--method", "finetune", "--batch-size", "3", "--epochs", "2", "--lr", "1e-2"]
        let r = try runProcess(prefixlab, common + ["--eval-test", "--eval-beam", "3", "--eval-max-new-tokens", "9", "--eval-min-new-tokens", "5",
                                                    "--eval-no-repeat-ngram", "2", "--eval-length-penalty", "0.5", "--eval-early-stopping", "--out", tmp + "/run"])
        XCTAssertEqual(r.status, 0, r.err)
        let g = try runProcess(prefixlab, ["generate", "--run", tmp + "/run", "--data", pairs, "--beam", "3", "--max-new-tokens", "9", "--min-new-tokens", "5",
                                           "--no-repeat-ngram", "2", "--length-penalty", "0.5", "--early-stopping", "--out", tmp + "/out.txt"])
        XCTAssertEqual(g.status, 0, g.err)
        XCTAssertEqual(try String(contentsOfFile: tmp + "/run/outputs/test.txt", encoding: .utf8), try String(contentsOfFile: tmp + "/out.txt", encoding: .utf8))
        let plain = try runProcess(prefixlab, ["generate", "--run", tmp + "/run", "--data", pairs, "--beam", "3", "--max-new-tokens", "9", "--out", tmp + "/plain.txt"])
        XCTAssertEqual(plain.status, 0, plain.err)
        XCTAssertNotEqual(try String(contentsOfFile: tmp + "/plain.txt", encoding: .utf8), try String(contentsOfFile: tmp + "/out.txt", encoding: .utf8),
                          "the settings change the outputs")
        let test = try JSONParser.parse(String(contentsOfFile: tmp + "/run/metrics.json", encoding: .utf8))["test"]!
        XCTAssertEqual(test["min_new_tokens"]?.int, 5)
        XCTAssertEqual(test["no_repeat_ngram"]?.int, 2)
        XCTAssertEqual(test["length_penalty"]?.number, 0.5)
        XCTAssertEqual(test["early_stopping"]?.bool, true)
        let line = try JSONParser.parse(String(contentsOfFile: tmp + "/run/run.json", encoding: .utf8))["command_line"]!.array!.compactMap(\.string)
        XCTAssertTrue(line.joined(separator: " ").contains("--eval-min-new-tokens 5 --eval-no-repeat-ngram 2 --eval-length-penalty 0.5 --eval-early-stopping"), "\(line)")
        let bad = try runProcess(prefixlab, common + ["--eval-max-new-tokens", "4", "--eval-min-new-tokens", "5", "--out", tmp + "/bad"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--eval-min-new-tokens 5: more than the test evaluation's max new tokens (4)"), bad.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/bad"))
    }

    /// `deep` (3 encoder, 2 decoder layers) with `tiny`'s tokenizer files, under `tmp`.
    func deepWithTokenizer(_ tmp: String) throws -> String {
        let dir = tmp + "/deep", fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (from, name) in [("deep", "config.json"), ("deep", "model.safetensors"), ("deep", "reference.json"), ("tiny", "vocab.json"), ("tiny", "merges.txt")] {
            try fm.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: TestPaths.fixtures + "/bart/\(from)/" + name)
        }
        return dir
    }
}
