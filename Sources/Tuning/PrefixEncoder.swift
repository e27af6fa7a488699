import Foundation
import Kernels
import Models
import Support

/// The trainable state of prefix-tuning, infix and embedding-only: P virtual rows, their
/// parameters, and the map from those to what the graph consumes.
///
/// Tensor names follow PEFT's prompt encoder (without `prompt_encoder.default.`):
/// - key/value rows with the MLP: `embedding.weight` (P, C), `transform.0.weight` (mid, C),
///   `transform.0.bias` (mid), `transform.2.weight` (2·L·C, mid), `transform.2.bias` (2·L·C);
///   output (P, 2·L·C) = tanh(E·W0ᵀ + b0)·W2ᵀ + b2.
/// - key/value rows without: `embedding.weight` (P, 2·L·C), used as is.
/// - virtual input embeddings: `embedding.weight` (P, C).
///
/// A checkpoint holds trainable.safetensors (the parameters and their AdamW moments as
/// m.<name>, v.<name>) and prefix.safetensors (`prompt_embeddings`, the folded output: what
/// inference uses; no MLP).
public final class PrefixEncoder: MethodState, @unchecked Sendable {
    /// What the rows feed: every attention's keys and values, or the input embeddings.
    public enum Target: Sendable { case keyValues, embeddings }

    public let options: VirtualTokenOptions
    public let target: Target
    public let shape: ModelShape
    let model: any LanguageModel
    /// The method, for messages, the PEFT kind an initial adapter must be, and decoding.
    let methodName: String
    let peftKind: PEFTAdapter.Kind?
    let decodeAs: @Sendable (Int, [Float]) -> Conditioning

    public let params: ParameterSet
    /// (P, width): the output (virtual key/value rows or embeddings) of the last `prepare`.
    public let output: FloatArena
    /// Gradient of the loss with respect to `output`, filled by the graph's backward.
    public let doutput: FloatArena
    let hidden: FloatArena    // (P, mid) tanh activations, MLP only
    let dhidden: FloatArena
    let dembedding: FloatArena
    /// This step's dropout factors on `output` (0 or 1/(1−p)); nil when there is no dropout.
    let dropoutMask: FloatArena?
    var dropoutActive = false

    public var P: Int { options.length }
    /// Columns of the output: 2·L·C for key/value rows, C for embeddings.
    public let width: Int
    public var usesMLP: Bool { target == .keyValues && options.reparam == .mlp }

    /// Put before each tensor's name: "" alone, "<kind>." for one of an encoder-decoder's prefixes.
    let namePrefix: String

    /// `width`: the output's columns (nil: the model's 2·L·C or C); `shared`: a parameter set
    /// holding this encoder's tensors under `namePrefix` among others (`tensorSpec` lists them).
    init(options: VirtualTokenOptions, target: Target, model: any LanguageModel, methodName: String, peftKind: PEFTAdapter.Kind?,
         decodeAs: @escaping @Sendable (Int, [Float]) -> Conditioning, width: Int? = nil, namePrefix: String = "", shared: ParameterSet? = nil) {
        self.options = options; self.target = target; self.model = model; self.shape = model.shape
        self.methodName = methodName; self.peftKind = peftKind; self.decodeAs = decodeAs; self.namePrefix = namePrefix
        let P = options.length, C = shape.width, mid = options.midDim
        let W = width ?? (target == .keyValues ? shape.keyValueWidth : shape.width)
        self.width = W
        let mlp = target == .keyValues && options.reparam == .mlp
        params = shared ?? ParameterSet(PrefixEncoder.tensorSpec(options: options, target: target, width: W, C: C, namePrefix: namePrefix))
        output = FloatArena(count: P * W)
        doutput = FloatArena(count: P * W)
        hidden = FloatArena(count: mlp ? P * mid : 0)
        dhidden = FloatArena(count: hidden.count)
        dembedding = FloatArena(count: mlp ? P * C : 0)
        dropoutMask = options.dropout > 0 ? FloatArena(count: P * W) : nil
    }

    /// The tensors of one encoder: names (under `namePrefix`) and shapes.
    static func tensorSpec(options: VirtualTokenOptions, target: Target, width W: Int, C: Int, namePrefix n: String) -> [(String, [Int])] {
        let P = options.length, mid = options.midDim
        guard target == .keyValues && options.reparam == .mlp else { return [(n + "embedding.weight", [P, W])] }
        return [(n + "embedding.weight", [P, C]), (n + "transform.0.weight", [mid, C]), (n + "transform.0.bias", [mid]),
                (n + "transform.2.weight", [W, mid]), (n + "transform.2.bias", [W])]
    }

    /// A tensor of this encoder in `params`.
    func value(_ name: String) -> UnsafeMutablePointer<Float> { params.value(namePrefix + name) }
    func grad(_ name: String) -> UnsafeMutablePointer<Float> { params.grad(namePrefix + name) }

    // MARK: The graph's view

    public var trainableWeights: TrainableWeights { .none(layers: shape.layers) }
    public var modelDropoutRate: Float { 0 }

    public var graphConditioning: GraphConditioning {
        switch target {
        case .keyValues: return GraphConditioning(keyValues: UnsafePointer(output.base), keyValueGrads: doutput.base)
        case .embeddings: return GraphConditioning(embeddings: UnsafePointer(output.base), embeddingGrads: doutput.base)
        }
    }

    public func prepare(step: Int?, seed: UInt64) {
        forward()
        doutput.zero()
        dropoutActive = false
        if let mask = dropoutMask, let step {
            // A fresh mask each step, from the seed and the step alone (resume draws the same).
            var rng = SplitMix64(seed: seed ^ (0xD5A6_1266_F0C9_392C &* UInt64(step + 1)))
            let rate = Float(options.dropout), keep = 1 / (1 - rate)
            for i in 0..<mask.count { mask.base[i] = rng.nextUniform() < rate ? 0 : keep }
            for i in 0..<mask.count { output.base[i] *= mask.base[i] }
            dropoutActive = true
        }
    }

    public func finishBackward() {
        if dropoutActive, let mask = dropoutMask {
            for i in 0..<mask.count { doutput.base[i] *= mask.base[i] }  // the same mask, by the chain rule
        }
        backward()
    }

    public func parametersDidUpdate() {}

    /// Computes `output` from the parameters (a copy when there is no MLP).
    public func forward() {
        let P = self.P, C = shape.width, mid = options.midDim, W = width
        if usesMLP {
            linearForward(out: hidden.base, inp: value("embedding.weight"), weight: value("transform.0.weight"),
                          bias: value("transform.0.bias"), N: P, C: C, OC: mid)
            tanhForward(out: hidden.base, inp: hidden.base, N: P * mid)
            linearForward(out: output.base, inp: hidden.base, weight: value("transform.2.weight"),
                          bias: value("transform.2.bias"), N: P, C: mid, OC: W)
        } else {
            output.base.update(from: value("embedding.weight"), count: P * W)
        }
    }

    /// Accumulates parameter gradients from `doutput`.
    public func backward() {
        let P = self.P, C = shape.width, mid = options.midDim, W = width
        if usesMLP {
            linearBackward(dinp: dhidden.base, dweight: grad("transform.2.weight"), dbias: grad("transform.2.bias"),
                           dout: doutput.base, inp: hidden.base, weight: value("transform.2.weight"), N: P, C: mid, OC: W)
            tanhBackward(dinp: dhidden.base, out: hidden.base, dout: dhidden.base, N: P * mid)
            let demb = dembedding.base
            linearBackward(dinp: demb, dweight: grad("transform.0.weight"), dbias: grad("transform.0.bias"),
                           dout: dhidden.base, inp: value("embedding.weight"), weight: value("transform.0.weight"),
                           N: P, C: C, OC: mid)
            axpy(1, demb, grad("embedding.weight"), P * C)
        } else {
            axpy(1, doutput.base, grad("embedding.weight"), P * W)
        }
    }

    // MARK: Initialisation

    public func initialize(seed: UInt64, encode: (String) -> [Int32]) throws {
        if let dir = options.initAdapter {
            let a = try PEFTAdapter.read(dir)
            try a.check(against: shape)
            guard let want = peftKind, a.kind == want, a.virtualTokens == P, a.embeddings.count == P * width else {
                let need = peftKind.map { "\($0.rawValue) with \(P)" } ?? "no PEFT adapter (PEFT has none for it)"
                throw MethodError("\(dir): a \(a.kind.rawValue) adapter of \(a.virtualTokens) virtual tokens; --method \(methodName) with --prefix-length \(P) needs \(need)")
            }
            a.embeddings.withUnsafeBufferPointer { value("embedding.weight").update(from: $0.baseAddress!, count: $0.count) }
            return
        }
        randomInit(seed: seed)
        if options.initialization.hasPrefix("words:") {
            let ids = encode(String(options.initialization.dropFirst("words:".count)))
            guard !ids.isEmpty else { throw MethodError("--init words: needs some text (words:TEXT)") }
            try PrefixInit.fromWords(self, model: model, tokens: ids)
        }
    }

    /// Initialises like PEFT: embedding N(0, 1); Linear layers U(−1/√in, 1/√in) (torch's default).
    public func randomInit(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for t in params.tensors where t.name.hasPrefix(namePrefix) {
            let p = params.values[t.offset], name = t.name.dropFirst(namePrefix.count)
            if name == "embedding.weight" {
                for i in 0..<t.count { p[i] = rng.nextNormal() }
            } else {
                let fanIn = name.hasPrefix("transform.0") ? shape.width : options.midDim
                let bound = 1 / Float(fanIn).squareRoot()
                for i in 0..<t.count { p[i] = (2 * rng.nextUniform() - 1) * bound }
            }
        }
    }

    // MARK: Checkpoints and decoding

    public func save(to dir: String, baseModelDir: String) throws {
        try params.save(to: dir + "/trainable.safetensors")
        forward()  // without dropout
        try SafeTensorsWriter.write(path: dir + "/prefix.safetensors", tensors: [
            .init(name: "prompt_embeddings", shape: [P, width], values: UnsafeBufferPointer(start: output.base, count: output.count)),
        ])
    }

    public func load(from dir: String) throws { try params.load(from: dir + "/trainable.safetensors") }

    public func currentConditioning() -> Conditioning {
        forward()
        return decodeAs(P, Array(output.buffer))
    }

    /// The folded rows of a checkpoint (prefix.safetensors), checked against the model.
    static func foldedRows(checkpoint dir: String, width: Int) throws -> (P: Int, values: [Float]) {
        let f = try SafeTensorsFile(path: dir + "/prefix.safetensors")
        guard let e = f["prompt_embeddings"], e.shape.count == 2, e.shape[0] >= 1, e.shape[1] == width else {
            throw MethodError("\(f.path): expected a tensor 'prompt_embeddings' of shape [P, \(width)]")
        }
        return (e.shape[0], try f.floats("prompt_embeddings"))
    }
}
