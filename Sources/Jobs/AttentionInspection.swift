import Decoding
import Foundation
import JSON
import Models
import Tuning

/// `prefixlab inspect attention`: a run's greedy output for one source, and for each generated
/// token how the query that predicted it divided its attention — on the method's rows (the
/// prefix, the virtual tokens or the infix), on the source, on the text generated so far — per
/// layer and head.
public struct AttentionInspection: Sendable {
    public let run: String
    /// What the method's rows are: "prefix", "virtual tokens", "infix" or "none".
    public let virtualKind: String
    public let virtualRows: Int
    public let source: String
    public let output: String
    /// Each generated token's text (eos excluded).
    public let tokenTexts: [String]
    public let trace: AttentionTrace.Result

    public static let maxNewTokens = 64

    public static func inspect(runDir: String, source: String, maxNewTokens: Int = maxNewTokens) throws -> AttentionInspection {
        try inspect(run: runDir, setup: try RunDecoding.setup(runDir: runDir), source: source, maxNewTokens: maxNewTokens)
    }

    public static func inspect(run: String, setup: DecodingSetup, source: String, maxNewTokens: Int, loaded: LoadedModel? = nil) throws -> AttentionInspection {
        let lm = try loaded ?? LoadedModel.load(setup.modelFolder)
        let c = setup.conditioning
        let prompt = lm.prompt(source), limit = lm.model.shape.positions
        guard prompt.count + c.extraPositions + maxNewTokens <= limit else {
            throw JobError("the source has \(prompt.count) tokens; with the run's \(c.extraPositions) virtual and \(maxNewTokens) new ones that passes n_positions \(limit)")
        }
        let trace = AttentionTrace.run(model: lm.model, conditioning: c, prompt: prompt, maxNewTokens: maxNewTokens)
        let kind = c.kvRows > 0 ? "prefix" : c.virtualTokens > 0 ? "virtual tokens" : c.infixRows > 0 ? "infix" : "none"
        return AttentionInspection(run: run, virtualKind: kind, virtualRows: c.extraPositions, source: source,
                                   output: Outputs.text(trace.tokens, tokenizer: lm.tokenizer),
                                   tokenTexts: trace.tokens.map { lm.tokenizer.decode([$0]) }, trace: trace)
    }

    /// The heads' mean for token k at layer l.
    public func layerShares(token k: Int, layer l: Int) -> AttentionShares { trace.shares[k][l].mean }

    public var json: JSONValue {
        func obj(_ a: AttentionShares) -> [(String, JSONValue)] {
            [("virtual", .number(Double(a.virtual))), ("source", .number(Double(a.source))), ("generated", .number(Double(a.generated)))]
        }
        let tokens: [JSONValue] = trace.tokens.indices.map { k in
            .object([("token", .string(tokenTexts[k])), ("id", .number(Double(trace.tokens[k]))),
                     ("layers", .array(trace.shares[k].map { heads in .object(obj(heads.mean) + [("heads", .array(heads.map { .object(obj($0)) }))]) }))])
        }
        return .object([("run", .string(run)), ("source", .string(source)), ("output", .string(output)),
                        ("virtual_kind", .string(virtualKind)), ("virtual_rows", .number(Double(virtualRows))),
                        ("layers", .number(Double(trace.layers))), ("heads", .number(Double(trace.heads))), ("tokens", .array(tokens))])
    }
}
