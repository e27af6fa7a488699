import Models

/// Many prefix and embedding runs served by one frozen model: requests (a prompt and the run
/// it is for) of different runs, of similar length, share a batch (greedy, sampling or beam
/// search by the settings). A batch whose rows all belong to one run takes that run's own
/// path, so full batches cost what they cost alone; the others pad every row's prefix to the
/// batch's longest (masked).
public enum MixedDecoding {
    public struct Request: Sendable {
        /// Index into the conditionings.
        public let run: Int
        public let prompt: [Int32]
        public init(run: Int, prompt: [Int32]) { self.run = run; self.prompt = prompt }
    }

    /// One output per request, in order, each as its run's conditioning gives it alone.
    public static func decode(model: any CausalLM, conditionings: [Conditioning], requests: [Request], settings: GenerationSettings,
                              batchSize: Int, progress: ((Int) -> Void)? = nil) -> [[Int32]] {
        let length = { (q: Request) in q.prompt.count + conditionings[q.run].virtualTokens }
        let order = requests.indices.sorted { length(requests[$0]) < length(requests[$1]) || (length(requests[$0]) == length(requests[$1]) && $0 < $1) }
        var outputs = [[Int32]](repeating: [], count: requests.count)
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let idx = Array(order[start..<min(order.count, start + batchSize)])
            let prompts = idx.map { requests[$0].prompt }, runs = idx.map { requests[$0].run }
            let out: [[Int32]]
            if runs.allSatisfy({ $0 == runs[0] }) {
                let c = conditionings[runs[0]]
                out = settings.beams == 1 ? GreedyDecoder(model: model, conditioning: c, settings: settings).generate(prompts: prompts)
                                          : BeamSearchDecoder(model: model, conditioning: c, settings: settings).generate(prompts: prompts)
            } else {
                let rows = runs.map { conditionings[$0] }
                out = settings.beams == 1 ? GreedyDecoder(model: model, settings: settings).generate(prompts: prompts, rows: rows)
                                          : BeamSearchDecoder(model: model, settings: settings).generate(prompts: prompts, rows: rows)
            }
            for (i, o) in zip(idx, out) { outputs[i] = o }
            progress?(min(order.count, start + batchSize))
        }
        return outputs
    }

    /// Every prompt under every conditioning: `outputs[r][i]` is prompt i under conditioning r.
    public static func decodeAll(model: any CausalLM, conditionings: [Conditioning], prompts: [[Int32]], settings: GenerationSettings,
                                 batchSize: Int, progress: ((Int) -> Void)? = nil) -> [[[Int32]]] {
        let requests = conditionings.indices.flatMap { r in prompts.map { Request(run: r, prompt: $0) } }
        let flat = decode(model: model, conditionings: conditionings, requests: requests, settings: settings, batchSize: batchSize, progress: progress)
        return conditionings.indices.map { r in Array(flat[(r * prompts.count)..<((r + 1) * prompts.count)]) }
    }
}
