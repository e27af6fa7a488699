import Decoding
import Foundation
import Support

/// The text table of `inspect attention`: a row per generated token, the share on the
/// method's rows per layer (heads' mean, in %), then the means over layers on the source and
/// on the generated text.
extension AttentionInspection {
    public var table: [String] {
        let a = self
        let L = a.trace.layers
        var out = ["\(a.run): \(a.virtualKind)\(a.virtualRows > 0 ? " (\(a.virtualRows) rows)" : ""), \(L) layers × \(a.trace.heads) heads",
                   "output: \(a.output)",
                   "share of attention (%, heads' mean) on the \(a.virtualKind == "none" ? "method's rows (none)" : a.virtualKind) per layer; source and generated: mean over layers"]
        let width = min(18, max(6, a.tokenTexts.map { Escaped($0, limit: 14).description.count + 3 }.max() ?? 6))
        func cell(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        out.append("token".padding(toLength: width, withPad: " ", startingAt: 0) + (0..<L).map { cell("L\($0)", 4) }.joined() + cell("source", 8) + cell("generated", 10))
        for k in a.trace.tokens.indices {
            let name = "\"" + Escaped(a.tokenTexts[k], limit: 14).description + "\""
            let layers = (0..<L).map { a.layerShares(token: k, layer: $0) }
            let mean = layers.mean
            out.append(String(name.prefix(width - 1)).padding(toLength: width, withPad: " ", startingAt: 0)
                       + layers.map { cell(String(Int(($0.virtual * 100).rounded())), 4) }.joined()
                       + cell(String(Int((mean.source * 100).rounded())), 8) + cell(String(Int((mean.generated * 100).rounded())), 10))
        }
        return out
    }
}

/// The text of `inspect prefix`: per position (and layer) the nearest tokens, then the movement.
extension PrefixInspection {
    public var table: [String] {
        let p = self
        func tok(_ t: String) -> String { "\"" + Escaped(t, limit: 14).description + "\"" }
        func row(_ label: String, _ ns: [PrefixInspection.Neighbour]) -> String {
            label.padding(toLength: 6, withPad: " ", startingAt: 0) + ns.map { tok($0.token) + String(format: " %.2f", $0.cosine) }.joined(separator: "  ")
        }
        var out = ["\(p.run): \(p.method)\(p.kind == p.method ? "" : " (" + p.kind + ")"), \(p.rows) rows, init \(p.initialization)"]
        if p.kind == "virtual tokens" {
            out.append("nearest tokens by input embedding (cosine):")
            out += (0..<p.rows).map { row("p\($0)", p.neighbours(position: $0)) }
        } else {
            out.append("nearest tokens by their own key at each layer (cosine):")
            for l in 0..<p.layers {
                out.append("layer \(l)")
                out += (0..<p.rows).map { row("  p\($0)", p.neighbours(layer: l, position: $0)) }
            }
        }
        if let moved = p.moved {
            out.append("moved from the initial words (cosine to the start, distance, distance / start's norm):")
            out += moved.map { String(format: "  p%-3d %@  %.3f  %.3f  %.3f", $0.position, tok($0.word), $0.cosine, $0.distance, $0.relative) }
        }
        return out
    }
}
