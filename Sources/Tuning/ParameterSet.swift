import Models

/// Named trainable tensors in one arena, with their gradients and AdamW moments in three
/// more of the same layout. Prefix, embedding-only and infix parameters live in one of these,
/// apart from the frozen model, so that the model's weights are never written.
public final class ParameterSet: @unchecked Sendable {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let tensors: [Tensor]
    public let count: Int
    public let values: FloatArena
    public let grads: FloatArena
    public let m: FloatArena
    public let v: FloatArena
    /// The ranges AdamW updates (all of the arena, or a part of a shared one).
    public let active: [Range<Int>]

    public init(_ spec: [(String, [Int])]) {
        var tensors: [Tensor] = []
        var offset = 0
        for (name, shape) in spec {
            tensors.append(Tensor(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.tensors = tensors
        count = offset
        values = FloatArena(count: offset)
        grads = FloatArena(count: offset)
        m = FloatArena(count: offset)
        v = FloatArena(count: offset)
        active = [0..<offset]
    }

    /// A view of a model's own parameter arena for fine-tuning: values are the model's
    /// weights; only the `trainable` tensors are updated.
    public init(model: any LanguageModel, trainable: (ParameterEntry) -> Bool) {
        let entries = model.tensors
        tensors = entries.map { Tensor(name: $0.name, shape: $0.shape, offset: $0.offset) }
        count = model.parameters.count
        values = model.parameters
        grads = FloatArena(count: count)
        m = FloatArena(count: count)
        v = FloatArena(count: count)
        var ranges: [Range<Int>] = []
        for e in entries where trainable(e) {
            let r = e.offset..<(e.offset + e.count)
            if let last = ranges.last, last.upperBound == r.lowerBound { ranges[ranges.count - 1] = last.lowerBound..<r.upperBound }
            else { ranges.append(r) }
        }
        active = ranges
    }

    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name } }
    public func value(_ name: String) -> UnsafeMutablePointer<Float> { values[self[name]!.offset] }
    public func grad(_ name: String) -> UnsafeMutablePointer<Float> { grads[self[name]!.offset] }
    /// Whether AdamW updates this tensor.
    public func isActive(_ t: Tensor) -> Bool { active.contains { $0.contains(t.offset) } }

    /// Number of parameters AdamW updates.
    public var trainableCount: Int { active.reduce(0) { $0 + $1.count } }

    public func zeroGrads() { for r in active { grads[r.lowerBound].update(repeating: 0, count: r.count) } }

    /// Writes every tensor and its AdamW moments (m.<name>, v.<name>) to one safetensors file.
    public func save(to path: String) throws {
        var out: [SafeTensorsWriter.Tensor] = []
        for t in tensors {
            for (prefix, arena) in [("", values), ("m.", m), ("v.", v)] {
                out.append(.init(name: prefix + t.name, shape: t.shape, values: UnsafeBufferPointer(start: arena[t.offset], count: t.count)))
            }
        }
        try SafeTensorsWriter.write(path: path, tensors: out)
    }

    /// Reads what `save` wrote; every tensor must be there with its shape.
    public func load(from path: String) throws {
        let f = try SafeTensorsFile(path: path)
        for t in tensors {
            for (prefix, arena) in [("", values), ("m.", m), ("v.", v)] {
                guard let e = f[prefix + t.name], e.shape == t.shape else {
                    throw MethodError("\(f.path): tensor '\(prefix + t.name)' missing or not of shape \(t.shape)")
                }
                try f.read(e, into: arena[t.offset])
            }
        }
    }

    /// The values of `save`'s file alone (what decoding reads), checked tensor by tensor.
    public static func values(at path: String, tensors: [(name: String, shape: [Int])]) throws -> [Float] {
        let f = try SafeTensorsFile(path: path)
        var out: [Float] = []
        for (name, shape) in tensors {
            guard let e = f[name] else { throw MethodError("\(f.path): no tensor '\(name)'") }
            guard e.shape == shape else { throw MethodError("\(f.path): tensor '\(name)' has shape \(e.shape), expected \(shape)") }
            out += try f.floats(name)
        }
        return out
    }
}
