import Foundation
import JSON
import Jobs
import Models
import Runs
import Specs
import Text
import Tuning

/// One reader under the fuzzer: where its mutated input goes (a file name in a case folder
/// that may hold fixed companion files), the real files it starts from, how to run it, and
/// which error types are its clean refusals. Any other error type is a finding.
public struct FuzzTarget {
    public let name: String
    /// The mutated file's name inside the case folder.
    public let file: String
    public var seeds: [[UInt8]]
    /// Files copied unchanged into the case folder (a tokenizer's other half, a model's weights).
    public var companions: [(name: String, path: String)] = []
    public let run: (_ caseFolder: String, _ file: String) throws -> Void
    public var clean: (Error) -> Bool = FuzzTarget.isClean
}

extension FuzzTarget {
    /// The readers of every format the program reads, seeded from the files of the
    /// repository (`root`) and ../shared (`shared`) that exist.
    public static func all(root: String, shared: String) -> [FuzzTarget] {
        let fm = FileManager.default
        func bytes(_ p: String, limit: Int = 256 << 10) -> [UInt8]? {
            guard let d = fm.contents(atPath: p) else { return nil }
            return [UInt8](d.prefix(limit))
        }
        /// The first `n` lines of a text file (a seed small enough to mutate quickly).
        func head(_ p: String, lines n: Int) -> [UInt8]? {
            guard let d = fm.contents(atPath: p) else { return nil }
            return Array(d.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(n).joined(separator: [0x0A]))
        }
        let fixtures = root + "/Tests/Fixtures", mini = root + "/samples/models/gpt2-e2e-mini"
        let tiny = fixtures + "/models/tiny-f32"
        var t: [FuzzTarget] = []

        t.append(FuzzTarget(name: "safetensors", file: "model.safetensors",
                            seeds: ["peft/prefix-mlp/adapter_model.safetensors", "peft/prompt/adapter_model.safetensors", "training/infix.safetensors",
                                    "training/embedding.safetensors"].compactMap { bytes(fixtures + "/" + $0) },
                            run: { _, file in
                                let f = try SafeTensorsFile(path: file)
                                for e in f.header.entries where e.count <= 1 << 20 { _ = try f.floats(e.name) }
                            }, clean: isClean))
        t.append(FuzzTarget(name: "config.json", file: "config.json",
                            seeds: [tiny + "/config.json", mini + "/config.json", fixtures + "/models/tiny-bf16/config.json"].compactMap { bytes($0) },
                            companions: [("model.safetensors", tiny + "/model.safetensors")],
                            run: { dir, _ in _ = try HFModelFolder.summary(dir); _ = try HFModelFolder.load(dir) },
                            clean: isClean))
        t.append(FuzzTarget(name: "vocab.json", file: "vocab.json", seeds: [bytes(mini + "/vocab.json")].compactMap { $0 },
                            companions: [("merges.txt", mini + "/merges.txt")],
                            run: { dir, _ in try exercise(try TokenizerFiles.load(folder: dir)) }, clean: isClean))
        t.append(FuzzTarget(name: "merges.txt", file: "merges.txt", seeds: [bytes(mini + "/merges.txt")].compactMap { $0 },
                            companions: [("vocab.json", mini + "/vocab.json")],
                            run: { dir, _ in try exercise(try TokenizerFiles.load(folder: dir)) }, clean: isClean))
        t.append(FuzzTarget(name: "tokenizer.json", file: "tokenizer.json", seeds: [tokenizerJSON(vocab: mini + "/vocab.json", merges: mini + "/merges.txt")].compactMap { $0 },
                            run: { _, file in try exercise(try TokenizerFiles.load(tokenizerJSON: file)) }, clean: isClean))
        let jsonSeeds = [root + "/samples/runs/prefix-10/run.json", root + "/samples/experiments/e2e-ablation.json", fixtures + "/peft/prefix-mlp/adapter_config.json",
                         root + "/samples/runs/prefix-10/metrics.json", fixtures + "/training/batch.json"].compactMap { bytes($0) }
        t.append(FuzzTarget(name: "json", file: "x.json", seeds: jsonSeeds,
                            run: { _, file in _ = try JSONParser.parse(bytes: [UInt8](fm.contents(atPath: file) ?? Data())) }, clean: isClean))
        t.append(FuzzTarget(name: "run.json", file: "run.json", seeds: [bytes(root + "/samples/runs/prefix-10/run.json"), bytes(root + "/samples/runs/finetune/run.json")].compactMap { $0 },
                            run: { dir, _ in _ = try RunRecord.read(dir); _ = RunOverview.read(dir) }, clean: isClean))
        t.append(FuzzTarget(name: "experiment", file: "e.json", seeds: ["e2e-ablation.json", "e2e-lowdata.json"].compactMap { bytes(root + "/samples/experiments/" + $0) },
                            run: { _, file in _ = try Experiment.load(path: file) }, clean: isClean))
        t.append(FuzzTarget(name: "adapter_config.json", file: "adapter_config.json",
                            seeds: ["prefix-mlp", "prompt"].compactMap { bytes(fixtures + "/peft/" + $0 + "/adapter_config.json") },
                            companions: [("adapter_model.safetensors", fixtures + "/peft/prefix-mlp/adapter_model.safetensors")],
                            run: { dir, _ in _ = try PEFTAdapter.read(dir) }, clean: isClean))
        t.append(FuzzTarget(name: "jsonl", file: "d.jsonl", seeds: [head(root + "/samples/data/e2e/valid.jsonl", lines: 40)].compactMap { $0 },
                            run: { _, file in _ = try DatasetSpec.load(file); _ = try PairsFile.read(path: file) }, clean: isClean))
        t.append(FuzzTarget(name: "e2e csv", file: "d.csv", seeds: [head(shared + "/data/e2e/devset.csv", lines: 60)].compactMap { $0 },
                            run: { _, file in _ = try DatasetSpec.load(file) }, clean: isClean))
        let xml = ((try? fm.contentsOfDirectory(atPath: shared + "/data/webnlg2017/dev/1triples")) ?? []).sorted().prefix(2)
        t.append(FuzzTarget(name: "webnlg xml", file: "d.xml", seeds: xml.compactMap { head(shared + "/data/webnlg2017/dev/1triples/" + $0, lines: 120) },
                            run: { _, file in _ = try DatasetSpec.load(file) }, clean: isClean))
        t.append(FuzzTarget(name: "dart json", file: "d.json", seeds: [dartSeed(shared + "/data/dart/dart-v1.1.1-full-dev.json")].compactMap { $0 },
                            run: { _, file in _ = try DatasetSpec.load(file) }, clean: isClean))
        return t.filter { !$0.seeds.isEmpty }
    }

    /// The program's own refusals: an error of one of these types names the file and what was
    /// expected. Anything else (a Foundation error, a DecodingError) escaped a reader.
    public static func isClean(_ e: Error) -> Bool {
        e is SpecError || e is JobError || e is ModelError || e is SafeTensorsError || e is TokenizerError || e is DataFileError
            || e is JSONParseError || e is ExperimentError || e is MethodError || e is PEFTAdapter.Error || e is CheckpointIO.Error
    }

    static func exercise(_ tok: BPETokenizer) throws {
        let ids = tok.encode("name : The Eagle | food : French | price : £20-25 <|endoftext|> 東京")
        _ = tok.decode(ids)
    }

    /// A tokenizer.json seed built from a vocab.json and merges.txt.
    static func tokenizerJSON(vocab: String, merges: String) -> [UInt8]? {
        guard let v = FileManager.default.contents(atPath: vocab).flatMap({ try? JSONParser.parse(bytes: [UInt8]($0)) }),
              let m = FileManager.default.contents(atPath: merges).map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        let pairs = m.split(separator: "\n").filter { !$0.hasPrefix("#") }.prefix(400).map { JSONValue.string(String($0)) }
        let doc = JSONValue.object([("model", .object([("type", .string("BPE")), ("vocab", v), ("merges", .array(pairs))])),
                                    ("added_tokens", .array([.object([("id", .number(Double((v.object?.count ?? 1) - 1))), ("content", .string("<|endoftext|>")), ("special", .bool(true))])]))])
        return Array(doc.serialized.utf8)
    }

    /// The first records of the DART dev set, as a list of its own.
    static func dartSeed(_ path: String) -> [UInt8]? {
        guard let d = FileManager.default.contents(atPath: path), let v = try? JSONParser.parse(bytes: [UInt8](d)), let a = v.array else { return nil }
        return Array(JSONValue.array(Array(a.prefix(12))).serialized.utf8)
    }
}
