/// BART's parameter arena: every tensor under its Hugging Face name (as
/// BartForConditionalGeneration writes it: `model.` before all but `final_logits_bias`) and
/// torch.nn.Linear's (out, in) layout, one after another in this order:
///
///   model.shared.weight                            (V, C)   tied to both embeddings and the head
///   model.encoder.embed_positions.weight           (maxPos + 2, C)
///   model.encoder.layernorm_embedding.{weight,bias} (C)
///   per encoder layer l: self_attn.{q,k,v,out}_proj.{weight (C, C), bias (C)}, self_attn_layer_norm,
///                        fc1 (F, C) + (F), fc2 (C, F) + (C), final_layer_norm
///   model.decoder.embed_positions.weight           (maxPos + 2, C)
///   model.decoder.layernorm_embedding
///   per decoder layer l: self_attn, self_attn_layer_norm, encoder_attn.{q,k,v,out}_proj,
///                        encoder_attn_layer_norm, fc1, fc2, final_layer_norm
///   final_logits_bias                              (1, V)
public struct BARTLayout: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public let group: ParameterEntry.Group
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one attention's projections (weight then bias each).
    public struct Attention: Sendable {
        public let qW, qB, kW, kB, vW, vB, oW, oB: Int
    }

    public struct EncoderLayer: Sendable {
        public let attn: Attention
        public let ln1W, ln1B, fc1W, fc1B, fc2W, fc2B, ln2W, ln2B: Int
    }

    public struct DecoderLayer: Sendable {
        public let selfAttn: Attention
        public let ln1W, ln1B: Int
        public let cross: Attention
        public let ln2W, ln2B: Int
        public let fc1W, fc1B, fc2W, fc2B, ln3W, ln3B: Int
    }

    public let config: BARTConfig
    public private(set) var entries: [Entry] = []
    public let shared, encPositions, encLnW, encLnB, decPositions, decLnW, decLnB, logitsBias: Int
    public let encoder: [EncoderLayer]
    public let decoder: [DecoderLayer]
    public let total: Int

    public init(_ c: BARTConfig) {
        config = c
        var list: [Entry] = []
        var at = 0
        func add(_ name: String, _ shape: [Int], _ group: ParameterEntry.Group) -> Int {
            let o = at
            list.append(Entry(name: name, shape: shape, offset: o, group: group))
            at += shape.reduce(1, *)
            return o
        }
        let C = c.dModel, rows = c.maxPositions + BARTConfig.positionOffset
        func attention(_ p: String, _ g: ParameterEntry.Group) -> Attention {
            let qW = add(p + "q_proj.weight", [C, C], g), qB = add(p + "q_proj.bias", [C], g)
            let kW = add(p + "k_proj.weight", [C, C], g), kB = add(p + "k_proj.bias", [C], g)
            let vW = add(p + "v_proj.weight", [C, C], g), vB = add(p + "v_proj.bias", [C], g)
            let oW = add(p + "out_proj.weight", [C, C], g), oB = add(p + "out_proj.bias", [C], g)
            return Attention(qW: qW, qB: qB, kW: kW, kB: kB, vW: vW, vB: vB, oW: oW, oB: oB)
        }
        shared = add("model.shared.weight", [c.vocabSize, C], .embeddings)
        encPositions = add("model.encoder.embed_positions.weight", [rows, C], .embeddings)
        encLnW = add("model.encoder.layernorm_embedding.weight", [C], .embeddings)
        encLnB = add("model.encoder.layernorm_embedding.bias", [C], .embeddings)
        var enc: [EncoderLayer] = []
        for l in 0..<c.encoderLayers {
            // Encoder blocks come before the decoder's in the group numbering: block(l).
            let p = "model.encoder.layers.\(l).", g = ParameterEntry.Group.block(l)
            let a = attention(p + "self_attn.", g)
            let ln1W = add(p + "self_attn_layer_norm.weight", [C], g), ln1B = add(p + "self_attn_layer_norm.bias", [C], g)
            let fc1W = add(p + "fc1.weight", [c.encoderFFN, C], g), fc1B = add(p + "fc1.bias", [c.encoderFFN], g)
            let fc2W = add(p + "fc2.weight", [C, c.encoderFFN], g), fc2B = add(p + "fc2.bias", [C], g)
            let ln2W = add(p + "final_layer_norm.weight", [C], g), ln2B = add(p + "final_layer_norm.bias", [C], g)
            enc.append(EncoderLayer(attn: a, ln1W: ln1W, ln1B: ln1B, fc1W: fc1W, fc1B: fc1B, fc2W: fc2W, fc2B: fc2B, ln2W: ln2W, ln2B: ln2B))
        }
        decPositions = add("model.decoder.embed_positions.weight", [rows, C], .embeddings)
        decLnW = add("model.decoder.layernorm_embedding.weight", [C], .embeddings)
        decLnB = add("model.decoder.layernorm_embedding.bias", [C], .embeddings)
        var dec: [DecoderLayer] = []
        for l in 0..<c.decoderLayers {
            let p = "model.decoder.layers.\(l).", g = ParameterEntry.Group.block(c.encoderLayers + l)
            let s = attention(p + "self_attn.", g)
            let ln1W = add(p + "self_attn_layer_norm.weight", [C], g), ln1B = add(p + "self_attn_layer_norm.bias", [C], g)
            let x = attention(p + "encoder_attn.", g)
            let ln2W = add(p + "encoder_attn_layer_norm.weight", [C], g), ln2B = add(p + "encoder_attn_layer_norm.bias", [C], g)
            let fc1W = add(p + "fc1.weight", [c.decoderFFN, C], g), fc1B = add(p + "fc1.bias", [c.decoderFFN], g)
            let fc2W = add(p + "fc2.weight", [C, c.decoderFFN], g), fc2B = add(p + "fc2.bias", [C], g)
            let ln3W = add(p + "final_layer_norm.weight", [C], g), ln3B = add(p + "final_layer_norm.bias", [C], g)
            dec.append(DecoderLayer(selfAttn: s, ln1W: ln1W, ln1B: ln1B, cross: x, ln2W: ln2W, ln2B: ln2B,
                                    fc1W: fc1W, fc1B: fc1B, fc2W: fc2W, fc2B: fc2B, ln3W: ln3W, ln3B: ln3B))
        }
        logitsBias = add("final_logits_bias", [1, c.vocabSize], .buffer)
        encoder = enc
        decoder = dec
        entries = list
        total = at
    }

    public var parameterEntries: [ParameterEntry] {
        entries.map { ParameterEntry(name: $0.name, shape: $0.shape, offset: $0.offset, group: $0.group) }
    }

    /// Every weight but `final_logits_bias`, which is a buffer (not a parameter) in transformers.
    public var parameterCount: Int { total - config.vocabSize }
}
