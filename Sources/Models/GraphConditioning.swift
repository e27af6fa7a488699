/// What a tuning method feeds a training pass besides the tokens, as buffers it owns, with
/// the buffers the backward accumulates their gradients into:
/// - virtual key/value rows (prefix-tuning, infix): (P, 2·L·C) in PEFT's layout, layer l's
///   key at columns 2l·C and its value at (2l+1)·C; the batch says where each row sits
///   (an encoder-decoder's: the decoder's self-attention);
/// - an encoder-decoder's other prefixes: the encoder's self-attention rows (P, 2·L_enc·C)
///   and the cross-attention rows (P, 2·L_dec·C), the same layout;
/// - virtual input embeddings (embedding-only): (P, C);
/// - tensors inside the blocks (LoRA, adapters): `BlockParameters`.
/// The gradients are accumulated into (the method zeroes them each step); nil skips them.
public struct GraphConditioning {
    public var keyValues: UnsafePointer<Float>?
    public var keyValueGrads: UnsafeMutablePointer<Float>?
    public var embeddings: UnsafePointer<Float>?
    public var embeddingGrads: UnsafeMutablePointer<Float>?
    public var blocks: BlockParameters?
    public var encoderKeyValues: UnsafePointer<Float>?
    public var encoderKeyValueGrads: UnsafeMutablePointer<Float>?
    public var crossKeyValues: UnsafePointer<Float>?
    public var crossKeyValueGrads: UnsafeMutablePointer<Float>?

    public init(keyValues: UnsafePointer<Float>? = nil, keyValueGrads: UnsafeMutablePointer<Float>? = nil,
                embeddings: UnsafePointer<Float>? = nil, embeddingGrads: UnsafeMutablePointer<Float>? = nil, blocks: BlockParameters? = nil) {
        self.keyValues = keyValues; self.keyValueGrads = keyValueGrads
        self.embeddings = embeddings; self.embeddingGrads = embeddingGrads; self.blocks = blocks
    }

    public static var none: GraphConditioning { GraphConditioning() }
}
