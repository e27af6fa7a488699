/// BART's linear layers as LoRA targets them, under transformers' module names within a layer
/// (`self_attn.q_proj`, `encoder_attn.k_proj`, `fc1`); a site's `name` is the module's last part,
/// which PEFT's target_modules match (`q_proj` selects every attention's q_proj).
extension BARTConfig {
    private func attention(_ prefix: String) -> [LinearSite] {
        ["q_proj", "k_proj", "v_proj", "out_proj"].map { LinearSite(name: $0, module: prefix + "." + $0, inFeatures: dModel, outFeatures: dModel) }
    }

    var encoderSites: [LinearSite] {
        attention("self_attn") + [LinearSite(name: "fc1", module: "fc1", inFeatures: dModel, outFeatures: encoderFFN),
                                  LinearSite(name: "fc2", module: "fc2", inFeatures: encoderFFN, outFeatures: dModel)]
    }

    var decoderSites: [LinearSite] {
        attention("self_attn") + attention("encoder_attn")
            + [LinearSite(name: "fc1", module: "fc1", inFeatures: dModel, outFeatures: decoderFFN),
               LinearSite(name: "fc2", module: "fc2", inFeatures: decoderFFN, outFeatures: dModel)]
    }
}

extension BARTLayout {
    /// The weight (out, in) of `module` in block `block` (the encoder's layers, then the decoder's).
    func linearWeight(block: Int, module: String) -> Int? {
        let E = encoder.count
        func attention(_ a: Attention, _ name: Substring) -> Int? {
            switch name { case "q_proj": return a.qW; case "k_proj": return a.kW; case "v_proj": return a.vW; case "out_proj": return a.oW; default: return nil }
        }
        let parts = module.split(separator: ".")
        if block >= 0 && block < E {
            let l = encoder[block]
            if parts.count == 2, parts[0] == "self_attn" { return attention(l.attn, parts[1]) }
            return module == "fc1" ? l.fc1W : module == "fc2" ? l.fc2W : nil
        }
        guard block >= E && block < E + decoder.count else { return nil }
        let l = decoder[block - E]
        if parts.count == 2, parts[0] == "self_attn" { return attention(l.selfAttn, parts[1]) }
        if parts.count == 2, parts[0] == "encoder_attn" { return attention(l.cross, parts[1]) }
        return module == "fc1" ? l.fc1W : module == "fc2" ? l.fc2W : nil
    }
}
