/// Where each GPT-2 parameter lives in one flat Float32 arena, under Hugging Face's names
/// (without the `transformer.` prefix) and in its Conv1D (in, out) layout.
///
///   name                    shape            count
///   wte.weight              (V, C)           V·C
///   wpe.weight              (maxT, C)        maxT·C
///   per layer l:
///   h.l.ln_1.weight/bias    (C)              2C
///   h.l.attn.c_attn.weight  (C, 3C)          3C²     + bias (3C)
///   h.l.attn.c_proj.weight  (C, C)           C²      + bias (C)
///   h.l.ln_2.weight/bias    (C)              2C
///   h.l.mlp.c_fc.weight     (C, 4C)          4C²     + bias (4C)
///   h.l.mlp.c_proj.weight   (4C, C)          4C²     + bias (C)
///   ln_f.weight/bias        (C)              2C
/// The same layout serves the gradients and the optimizer moments of fine-tuning.
public struct GPT2Layout: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let config: GPT2Config
    public let entries: [Entry]
    public let total: Int
    public let index: [String: Int]
    /// The entries with the part of the model each belongs to (wte/wpe, block l, ln_f).
    public let parameterEntries: [ParameterEntry]
    /// Offsets of the tensors that every layer has, by layer.
    public let layers: [LayerOffsets]

    public struct LayerOffsets: Sendable {
        public let ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb: Int
    }

    public init(_ config: GPT2Config) {
        self.config = config
        let C = config.nEmbd, F = config.innerDim
        var entries: [Entry] = []
        var offset = 0
        @discardableResult
        func add(_ name: String, _ shape: [Int]) -> Int {
            let e = Entry(name: name, shape: shape, offset: offset)
            entries.append(e)
            offset += e.count
            return e.offset
        }
        add("wte.weight", [config.vocabSize, C])
        add("wpe.weight", [config.nPositions, C])
        var layers: [LayerOffsets] = []
        for l in 0..<config.nLayer {
            let p = "h.\(l)."
            layers.append(LayerOffsets(
                ln1w: add(p + "ln_1.weight", [C]), ln1b: add(p + "ln_1.bias", [C]),
                qkvw: add(p + "attn.c_attn.weight", [C, 3 * C]), qkvb: add(p + "attn.c_attn.bias", [3 * C]),
                attprojw: add(p + "attn.c_proj.weight", [C, C]), attprojb: add(p + "attn.c_proj.bias", [C]),
                ln2w: add(p + "ln_2.weight", [C]), ln2b: add(p + "ln_2.bias", [C]),
                fcw: add(p + "mlp.c_fc.weight", [C, F]), fcb: add(p + "mlp.c_fc.bias", [F]),
                fcprojw: add(p + "mlp.c_proj.weight", [F, C]), fcprojb: add(p + "mlp.c_proj.bias", [C])))
        }
        add("ln_f.weight", [C])
        add("ln_f.bias", [C])
        self.entries = entries
        self.total = offset
        self.layers = layers
        var index: [String: Int] = [:]
        for (k, e) in entries.enumerated() { index[e.name] = k }
        self.index = index
        parameterEntries = entries.map { e in
            let group: ParameterEntry.Group
            if e.name.hasPrefix("h."), let l = Int(e.name.dropFirst(2).prefix { $0 != "." }) { group = .block(l) }
            else if e.name.hasPrefix("ln_f.") { group = .final }
            else { group = .embeddings }
            return ParameterEntry(name: e.name, shape: e.shape, offset: e.offset, group: group)
        }
    }

    public var wte: Int { 0 }
    public var wpe: Int { config.vocabSize * config.nEmbd }
    public var lnfw: Int { total - 2 * config.nEmbd }
    public var lnfb: Int { total - config.nEmbd }
    public subscript(name: String) -> Entry? { index[name].map { entries[$0] } }
}
