import Kernels

extension GPT2Config {
    /// The linear layers of a block that LoRA can target, in the block's order, under PEFT's
    /// module names for GPT-2.
    var linearSites: [LinearSite] {
        let C = nEmbd, F = innerDim
        return [LinearSite(name: "c_attn", module: "attn.c_attn", inFeatures: C, outFeatures: 3 * C),
                LinearSite(name: "attn.c_proj", module: "attn.c_proj", inFeatures: C, outFeatures: C),
                LinearSite(name: "c_fc", module: "mlp.c_fc", inFeatures: C, outFeatures: F),
                LinearSite(name: "mlp.c_proj", module: "mlp.c_proj", inFeatures: F, outFeatures: C)]
    }

    /// The weight of the site at `module` in a block's offsets, Conv1D's (in, out) layout.
    static func siteWeight(_ module: String, _ w: GPT2Layout.LayerOffsets) -> Int? {
        switch module {
        case "attn.c_attn": return w.qkvw
        case "attn.c_proj": return w.attprojw
        case "mlp.c_fc": return w.fcw
        case "mlp.c_proj": return w.fcprojw
        default: return nil
        }
    }
}

/// A method's additions in one GPT-2 block for one pass: LoRA at any of the four linear
/// layers, adapters as their placement says, and the backward's scratch.
struct GPT2BlockAdditions {
    var qkv: LoRASite? = nil
    var attnProj: LoRASite? = nil
    var fc: LoRASite? = nil
    var mlpProj: LoRASite? = nil
    var placement: AdapterPlacement? = nil
    /// `blockOutput`: the block's adapter; `branchOutputs`: the attention's.
    var first: BottleneckAdapter? = nil
    /// `branchOutputs`: the feed-forward's.
    var second: BottleneckAdapter? = nil
    var du: Buf? = nil
    var dhidden: Buf? = nil
    /// (N, C): the gradient at a branch's output before its adapter.
    var dbranch: Buf? = nil

    var houlsby: Bool { placement == .branchOutputs }
    var lin: Bool { placement == .blockOutput }
}

/// The activations and scratch of a method's block additions for a GPT-2 pass of up to maxN
/// rows, in one arena. Training keeps each block's own (the backward reads them); inference
/// shares one set across blocks and keeps no inputs.
final class GPT2AdditionSlots {
    let additions: BlockAdditions
    let maxN: Int
    let training: Bool
    let arena: FloatArena
    /// Per block, per LoRA site: u (N, r) and, with dropout, the mask (N, in).
    private var loraU: [Int] = [], loraMask: [Int] = []
    /// Per block, per adapter: input (N, C), LayerNorm output (N, C), mean and rstd (N), ReLU output (N, b).
    private var adInput: [Int] = [], adLN: [Int] = [], adMean: [Int] = [], adRstd: [Int] = [], adHidden: [Int] = []
    private var scratchIn = 0, du = 0, delta = 0, dhidden = 0, dbranch = 0
    /// GPT-2 slot (0 c_attn, 1 attn.c_proj, 2 c_fc, 3 mlp.c_proj) of each LoRA site.
    private let siteSlot: [Int]
    private let layers: Int
    private let eps: Float

    init(_ additions: BlockAdditions, config c: GPT2Config, maxN: Int, training: Bool) {
        self.additions = additions; self.maxN = maxN; self.training = training
        layers = c.nLayer
        eps = c.layerNormEpsilon
        let sites = c.linearSites.map(\.name)
        siteSlot = (additions.lora?.sites ?? []).map { s in sites.firstIndex(of: s.name) ?? -1 }
        precondition(!siteSlot.contains(-1), "LoRA site not in GPT-2's blocks")
        var x = 0
        func take(_ n: Int) -> Int { defer { x += n }; return x }
        let kept = training ? c.nLayer : 1
        if let lora = additions.lora {
            for _ in 0..<kept {
                for s in lora.sites {
                    loraU.append(take(maxN * lora.rank))
                    loraMask.append(lora.dropout > 0 && training ? take(maxN * s.inFeatures) : -1)
                }
            }
            scratchIn = take(maxN * lora.widestInput)
            du = take(maxN * lora.rank)
        }
        if let a = additions.adapters {
            let C = a.width, b = a.bottleneck
            for _ in 0..<kept {
                for _ in 0..<a.perLayer {
                    adInput.append(training ? take(maxN * C) : -1)
                    adLN.append(a.hasLayerNorm ? take(maxN * C) : -1)
                    adMean.append(a.hasLayerNorm && training ? take(maxN) : -1)
                    adRstd.append(a.hasLayerNorm && training ? take(maxN) : -1)
                    adHidden.append(take(maxN * b))
                }
            }
            delta = take(maxN * C)
            if training { dhidden = take(maxN * b); dbranch = take(maxN * C) }
        }
        arena = FloatArena(count: max(1, x))
    }

    /// What `init` allocates, in doubles (checked against the machine before anything is).
    static func estimatedFloats(_ additions: BlockAdditions, config c: GPT2Config, maxN: Double) -> Double {
        var x = 0.0
        let L = Double(c.nLayer)
        if let lora = additions.lora {
            for s in lora.sites { x += L * maxN * (Double(lora.rank) + (lora.dropout > 0 ? Double(s.inFeatures) : 0)) }
            x += maxN * Double(lora.widestInput + lora.rank)
        }
        if let a = additions.adapters {
            let C = Double(a.width), b = Double(a.bottleneck)
            x += L * Double(a.perLayer) * maxN * (C + (a.hasLayerNorm ? C + 2 : 0) + b)
            x += maxN * (2 * C + b)
        }
        return x
    }

    /// Block l's additions for a pass of N rows over `params`; `drawDropout` draws this pass's
    /// LoRA masks (the forward does, the backward reads them).
    func block(_ l: Int, params: BlockParameters, N: Int, drawDropout: Bool) -> GPT2BlockAdditions {
        var out = GPT2BlockAdditions()
        let base = arena.base, k0 = training ? l : 0
        if let lora = additions.lora, let values = params.loraValues {
            let S = lora.sites.count
            for (k, s) in lora.sites.enumerated() {
                let off = lora.offset(layer: l, site: k)
                var mask: CBuf? = nil
                if loraMask[k0 * S + k] >= 0, let seed = params.loraDropoutSeed {
                    let m = base + loraMask[k0 * S + k]
                    if drawDropout { drawLoRAMask(m, count: N * s.inFeatures, rate: lora.dropout, seed: seed, layer: l, site: k, sites: S) }
                    mask = UnsafePointer(m)
                }
                let site = LoRASite(A: values + off, B: values + off + lora.rank * s.inFeatures,
                                    dA: params.loraGrads.map { $0 + off }, dB: params.loraGrads.map { $0 + off + lora.rank * s.inFeatures },
                                    r: lora.rank, inF: s.inFeatures, outF: s.outFeatures, scaling: lora.scaling,
                                    u: base + loraU[k0 * S + k], mask: mask, scratch: base + scratchIn)
                switch siteSlot[k] {
                case 0: out.qkv = site
                case 1: out.attnProj = site
                case 2: out.fc = site
                default: out.mlpProj = site
                }
            }
            out.du = base + du
        }
        if let a = additions.adapters, let values = params.adapterValues {
            out.placement = a.placement
            func adapter(_ k: Int) -> BottleneckAdapter {
                let i = k0 * a.perLayer + k, off = a.offset(layer: l, adapter: k)
                func slot(_ o: Int) -> Buf? { o >= 0 ? base + o : nil }
                return BottleneckAdapter(w: values + off, g: params.adapterGrads.map { $0 + off }, shape: a, eps: eps,
                                         input: slot(adInput[i]), ln: slot(adLN[i]), lnMean: slot(adMean[i]), lnRstd: slot(adRstd[i]),
                                         hidden: base + adHidden[i], delta: base + delta)
            }
            out.first = adapter(0)
            if a.perLayer > 1 { out.second = adapter(1) }
            if training { out.dhidden = base + dhidden; out.dbranch = base + dbranch }
        }
        return out
    }
}
