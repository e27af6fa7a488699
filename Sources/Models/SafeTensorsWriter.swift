import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JSON
import Kernels
import Support

/// Writes safetensors files: header padded to 8 bytes, tensors in the order given, written
/// to a temporary name and renamed, so a reader never sees half a file.
public enum SafeTensorsWriter {
    public struct Tensor {
        public let name: String
        public let shape: [Int]
        public let values: UnsafeBufferPointer<Float>
        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// `dtype` is F32, F16 or BF16 (BF16 rounds to nearest even).
    public static func write(path: String, tensors: [Tensor], dtype: DType = .F32,
                             metadata: [String: String] = [:]) throws {
        guard [.F32, .F16, .BF16].contains(dtype) else {
            throw SafeTensorsError(path: path, message: "cannot write dtype \(dtype.rawValue)")
        }
        var pairs: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            pairs.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.values.count, "shape \(t.shape) does not match \(t.values.count) values of \(t.name)")
            let bytes = t.values.count * dtype.byteSize
            pairs.append((t.name, .object([
                ("dtype", .string(dtype.rawValue)),
                ("shape", .array(t.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + bytes))])),
            ])))
            offset += bytes
        }
        var header = Array(JSONValue.object(pairs).serialized.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for t in tensors {
            switch dtype {
            case .F32:
                data.append(UnsafeBufferPointer(start: t.values.baseAddress, count: t.values.count))
            case .F16:
                var h = [UInt16](repeating: 0, count: t.values.count)
                for i in 0..<h.count { h[i] = floatToHalf(t.values[i]).littleEndian }
                h.withUnsafeBufferPointer { data.append($0) }
            default:
                var h = [UInt16](repeating: 0, count: t.values.count)
                for i in 0..<h.count {
                    let b = t.values[i].bitPattern
                    h[i] = UInt16(truncatingIfNeeded: (b + 0x7FFF + ((b >> 16) & 1)) >> 16).littleEndian
                }
                h.withUnsafeBufferPointer { data.append($0) }
            }
        }
        try AtomicFile.write(data, to: path)
    }
}
