import Support
import Foundation
import Models

/// Draws a token from logits as transformers' sampling does: divide by the temperature, keep
/// the top k, keep the smallest set whose probability reaches top-p (always at least one
/// token), softmax, draw. The generator is ours (SplitMix64), so the same seed gives the same
/// tokens here on every platform, but not the tokens torch's generator would draw.
public enum Sampler {
    public static func draw(_ logits: UnsafePointer<Float>, V: Int, settings s: GenerationSettings, rng: inout SplitMix64) -> Int {
        let t = Float(max(s.temperature, 1e-6))
        var cand: [(Int, Float)] = (0..<V).compactMap { logits[$0] == -.infinity ? nil : ($0, logits[$0] / t) }
        cand.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        if s.topK > 0 && cand.count > s.topK { cand.removeLast(cand.count - s.topK) }
        let m = cand.first?.1 ?? 0
        var probs = cand.map { Double(exp($0.1 - m)) }
        let z = probs.reduce(0, +)
        probs = probs.map { $0 / z }
        if s.topP < 1 {
            var acc = 0.0, keep = 0
            while keep < probs.count { acc += probs[keep]; keep += 1; if acc >= s.topP { break } }
            cand.removeLast(cand.count - keep)
            probs.removeLast(probs.count - keep)
            let z2 = probs.reduce(0, +)
            probs = probs.map { $0 / z2 }
        }
        var u = Double(rng.nextUniform())
        for (i, p) in probs.enumerated() {
            u -= p
            if u < 0 { return cand[i].0 }
        }
        return cand.last?.0 ?? 0
    }
}
