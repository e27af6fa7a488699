import Foundation

/// Where a tuning method's virtual rows go in a sequence: what a batch layout and a decoder
/// need to know of a method, and nothing more. Methods describe themselves with it; each model
/// family's batching and decoding apply it.
public struct VirtualLayout: Sendable, Equatable {
    public enum Placement: Sendable, Equatable {
        /// Before every real token (prefix-tuning): the tokens take positions P, P+1, ...
        /// (transformers counts the cached length, as PEFT relies on).
        case start
        /// Right after the source's eos (the paper's infix): the target's positions continue
        /// after the rows; its first token is predicted at the eos, before them.
        case afterSource
    }

    /// Virtual input embeddings before the tokens (embedding-only / prompt tuning); they take
    /// positions 0..<P and the tokens follow.
    public var leadingEmbeddings: Int
    /// Virtual key/value rows in every attention.
    public var keyValueRows: Int
    public var placement: Placement
    /// Which attentions of an encoder-decoder get the `keyValueRows` (a decoder-only model has
    /// self-attention alone, which `.all` and `.decoder` both name).
    public var attentions: PrefixAttentions
    /// An encoder-decoder's prefix rows take no positions (the original code derives positions
    /// from the tokens); with this, its decoder's tokens start at P instead, as transformers
    /// counts the cache PEFT's seq2seq prefix fills. A decoder-only model's rows always do.
    public var decoderRowsTakePositions: Bool

    public init(leadingEmbeddings: Int = 0, keyValueRows: Int = 0, placement: Placement = .start, attentions: PrefixAttentions = .all,
                decoderRowsTakePositions: Bool = false) {
        self.leadingEmbeddings = leadingEmbeddings; self.keyValueRows = keyValueRows; self.placement = placement
        self.attentions = attentions; self.decoderRowsTakePositions = decoderRowsTakePositions
    }

    public static let none = VirtualLayout()

    /// Positions an example needs beyond its own tokens.
    public var extraPositions: Int { leadingEmbeddings + keyValueRows }
}

/// The attentions of an encoder-decoder a prefix reaches, as the original BART code trains them
/// (Li & Liang's seq2seq/prefixTuning.py): each kind has rows per layer of its own stack.
public struct PrefixAttentions: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The encoder's self-attention (one prefix per document, shared by its beams).
    public static let encoder = PrefixAttentions(rawValue: 1)
    /// The decoder's self-attention (GPT-2's blocks are this kind).
    public static let decoder = PrefixAttentions(rawValue: 2)
    /// The decoder's cross-attention, before the encoder's outputs.
    public static let cross = PrefixAttentions(rawValue: 4)
    public static let all: PrefixAttentions = [.encoder, .decoder, .cross]

    /// In the order prefix.safetensors and the trainable tensors list them.
    public static let names: [(String, PrefixAttentions)] = [("encoder", .encoder), ("decoder", .decoder), ("cross", .cross)]

    /// "encoder,decoder,cross" (or any subset, in any order), or "all".
    public init?(list: String) {
        if list == "all" { self = .all; return }
        var s: PrefixAttentions = []
        for part in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard let k = PrefixAttentions.names.first(where: { $0.0 == part.trimmingCharacters(in: .whitespaces) }) else { return nil }
            s.insert(k.1)
        }
        guard !s.isEmpty else { return nil }
        self = s
    }

    public var list: String { self == .all ? "encoder,decoder,cross" : PrefixAttentions.names.filter { contains($0.1) }.map(\.0).joined(separator: ",") }
}
