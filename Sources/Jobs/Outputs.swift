import Decoding
import Foundation
import JSON
import Models
import Support
import Text

/// Generation over many prompts and the output files every job writes.
public enum Outputs {
    /// Decodes prompts in batches of similar length (greedy, beam search or sampling by the
    /// settings); `progress` gets the count done after each batch.
    public static func decode(model: any CausalLM, conditioning: Conditioning, settings: GenerationSettings, prompts: [[Int32]],
                              batchSize: Int, progress: ((Int) -> Void)? = nil) -> [[Int32]] {
        // LoRA is merged once for every batch, not per batch.
        conditioning.mergingLoRA(into: model) { decode(model: model, merged: $0, settings: settings, prompts: prompts, batchSize: batchSize, progress: progress) }
    }

    static func decode(model: any CausalLM, merged conditioning: Conditioning, settings: GenerationSettings, prompts: [[Int32]],
                       batchSize: Int, progress: ((Int) -> Void)?) -> [[Int32]] {
        let decode: ([[Int32]]) -> [[Int32]] = settings.beams == 1
            ? GreedyDecoder(model: model, conditioning: conditioning, settings: settings).generate
            : BeamSearchDecoder(model: model, conditioning: conditioning, settings: settings).generate
        let order = prompts.indices.sorted { prompts[$0].count < prompts[$1].count }
        var outputs = [[Int32]](repeating: [], count: prompts.count)
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let idx = Array(order[start..<min(order.count, start + batchSize)])
            for (i, o) in zip(idx, decode(idx.map { prompts[$0] })) { outputs[i] = o }
            progress?(min(order.count, start + batchSize))
        }
        return outputs
    }

    /// Decodes every prompt under each of `conditionings` (prefix or embedding runs of one
    /// frozen model) in mixed batches (Decoding/MixedDecoding); `outputs[r][i]` is prompt i
    /// under conditioning r, as `decode` gives it for that run alone.
    public static func decodeMixed(model: any CausalLM, conditionings: [Conditioning], settings: GenerationSettings, prompts: [[Int32]],
                                   batchSize: Int, progress: ((Int) -> Void)? = nil) -> [[[Int32]]] {
        MixedDecoding.decodeAll(model: model, conditionings: conditionings, prompts: prompts, settings: settings, batchSize: batchSize, progress: progress)
    }

    /// The KV caches and logits of decoding `rows` sequences (prompts × beams) of up to
    /// `positions` must fit this machine; refused before anything is allocated.
    public static func checkMemory(model: any CausalLM, rows: Int, positions: Int) throws {
        let s = model.shape
        let cache = 2 * Double(s.layers) * Double(rows) * Double(positions) * Double(s.width) * 4
        let logits = Double(rows) * Double(s.vocabSize) * 4 * 2
        guard cache + logits < 0.85 * MachineMemory.bytes else {
            throw JobError("decoding \(rows) sequences (batch × beams) of up to \(positions) positions needs about \(MachineMemory.text(cache + logits)); this machine has \(MachineMemory.text(MachineMemory.bytes)): lower --batch-size or --beam")
        }
    }

    /// An output's text as the E2E format wants it: one line, no leading space (targets are
    /// encoded as " " + target), without special tokens (transformers' skip_special_tokens: a
    /// BART output's leading <s> is an id, not text).
    public static func text(_ ids: [Int32], tokenizer: BPETokenizer) -> String {
        let special = Set(tokenizer.specialTokens.values)
        return tokenizer.decode(ids.filter { !special.contains($0) }).trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    }

    /// Writes FILE (one output per line) and FILE.jsonl (source, references, output, output_ids),
    /// or the JSONL at `jsonlPath` (a run's outputs/<split>.jsonl). Returns the lines.
    @discardableResult
    public static func write(examples: [DataExample], outputs: [[Int32]], tokenizer: BPETokenizer, to path: String,
                             jsonlPath: String? = nil) throws -> [String] {
        var text = "", jsonl = "", lines: [String] = []
        for (e, ids) in zip(examples, outputs) {
            let output = Self.text(ids, tokenizer: tokenizer)
            lines.append(output)
            text += output + "\n"
            jsonl += JSONValue.object([("source", .string(e.source)), ("references", .array(e.references.map { .string($0) })),
                                       ("output", .string(output)), ("output_ids", .array(ids.map { .number(Double($0)) }))]).serialized + "\n"
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try AtomicFile.write(Data(text.utf8), to: path)
        try AtomicFile.write(Data(jsonl.utf8), to: jsonlPath ?? path + ".jsonl")
        return lines
    }
}
