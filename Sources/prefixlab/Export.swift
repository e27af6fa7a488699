import ArgumentParser
import Foundation
import JSON
import Models
import Runs
import Tuning

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's trained prefix or embeddings as a Hugging Face PEFT adapter.",
        discussion: """
        prefix runs become PrefixTuning adapters (prefix_projection as trained; the file holds the folded
        prefix, as PEFT saves it), embedding runs PromptTuning adapters. The best checkpoint by validation
        loss is used, else the last.
        """
    )
    @Option(name: .customLong("run"), help: "A run folder, or a run id under --workspace.") var runRef: String
    @Option(help: "peft") var format: String = "peft"
    @Option(help: "Adapter folder to write.") var out: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "best (default: best, else last) or last.") var checkpoint: String = "best"

    func run() throws {
        guard format == "peft" else { throw CLIError("--format \(format): only peft is supported") }
        let dir = try resolveRun(runRef, workspace: workspace)
        let folder = try RunFolder.open(path: dir)
        guard let cfgValue = folder["config"] else { throw CLIError("\(dir)/run.json: no config") }
        let config = try runConfigDecoder().decode(TrainingConfig.self, from: Data(cfgValue.serialized.utf8))
        let kind: PEFTAdapter.Kind
        switch config.method.method {
        case .prefix: kind = .prefixTuning
        case .embedding: kind = .promptTuning
        case .infix: throw CLIError("\(dir): infix has no PEFT equivalent (PEFT places virtual tokens before the input only)")
        case .finetune: throw CLIError("\(dir): a fine-tuning run's checkpoints hold a full Hugging Face model folder (checkpoints/*/model); nothing to export")
        }
        let best = dir + "/checkpoints/best"
        let ckpt: String
        if checkpoint == "best", FileManager.default.fileExists(atPath: best + "/prefix.safetensors") { ckpt = best }
        else if let last = CheckpointIO.steps(runDir: dir).last?.path { ckpt = last }
        else { throw CLIError("\(dir): no checkpoint yet") }
        let file = try SafeTensorsFile(path: ckpt + "/prefix.safetensors")
        guard let e = file["prompt_embeddings"], e.shape.count == 2 else { throw CLIError("\(file.path): no prompt_embeddings") }
        guard let modelPath = folder["model"]?["path"]?.string else { throw CLIError("\(dir)/run.json: no model path") }
        let model = try GPT2Config.load(path: modelPath + "/config.json")
        let adapter = PEFTAdapter(kind: kind, virtualTokens: e.shape[0], config: model,
                                  prefixProjection: config.method.reparam == .mlp, encoderHiddenSize: config.method.midDim,
                                  baseModel: modelPath, embeddings: try file.floats("prompt_embeddings"))
        try adapter.write(out)
        print("\(out): \(kind.rawValue) adapter, \(e.shape[0]) virtual tokens, from \(ckpt)")
    }
}

/// A run given as a folder, or as an id under `workspace/runs/`. Ids are plain names: no
/// path separators or `..`, so a user-given name cannot reach outside the workspace.
func resolveRun(_ run: String, workspace: String) throws -> String {
    if FileManager.default.fileExists(atPath: run + "/run.json") { return run }
    guard !run.contains("/"), run != "..", run != "." else { throw CLIError("\(run): no run folder (run.json missing)") }
    let dir = workspace + "/runs/" + run
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
        throw CLIError("\(run): no such run folder, nor a run of that id in \(workspace)/runs")
    }
    return dir
}
