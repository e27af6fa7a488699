import JSON

/// Element types a safetensors file may hold. Only the float ones can be read as Float32.
public enum DType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, U16, U32, U64, F8_E4M3, F8_E5M2

    public var byteSize: Int {
        switch self {
        case .F64, .I64, .U64: return 8
        case .F32, .I32, .U32: return 4
        case .F16, .BF16, .I16, .U16: return 2
        case .I8, .U8, .BOOL, .F8_E4M3, .F8_E5M2: return 1
        }
    }
}

/// One tensor's entry in a safetensors header. Offsets are relative to the data section.
public struct TensorEntry: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let begin: Int
    public let end: Int
    public var count: Int { shape.reduce(1, *) }
}

/// A failure reading or writing a safetensors file; the message names the file and tensor.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// The parsed, validated header of a safetensors file.
///
/// Validated as the format's reference implementation does, and a little more: the header
/// length is bounded, every tensor has a known dtype, a shape of non-negative integers and
/// offsets inside the data section whose length equals shape × dtype size; tensors do not
/// overlap; names are unique (the JSON parser rejects duplicate keys).
public struct SafeTensorsHeader: Sendable {
    /// Largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    public let entries: [TensorEntry]
    public let metadata: [String: String]
    public let byName: [String: Int]

    public subscript(name: String) -> TensorEntry? { byName[name].map { entries[$0] } }

    /// Parses a header's JSON. `dataLength` is the byte length of the data section after it.
    public static func parse(json: UnsafeBufferPointer<UInt8>, dataLength: Int, path: String) throws -> SafeTensorsHeader {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: json) } catch {
            throw SafeTensorsError(path: path, message: "header is not valid JSON (\(error))")
        }
        guard let pairs = root.object else { throw SafeTensorsError(path: path, message: "header is not a JSON object") }
        var entries: [TensorEntry] = []
        var metadata: [String: String] = [:]
        for (name, value) in pairs {
            if name == "__metadata__" {
                guard let meta = value.object else {
                    throw SafeTensorsError(path: path, message: "__metadata__ is not an object of strings")
                }
                for (k, v) in meta {
                    guard let s = v.string else {
                        throw SafeTensorsError(path: path, message: "__metadata__ value for '\(k)' is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try entry(name: name, value: value, dataLength: dataLength, path: path))
        }
        let sorted = entries.sorted { $0.begin < $1.begin || ($0.begin == $1.begin && $0.end < $1.end) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw SafeTensorsError(path: path, message: "tensors '\(a.name)' and '\(b.name)' overlap in the data section")
        }
        // The format indexes the whole data section, without holes: a header length off by a
        // byte would otherwise shift every tensor by that byte.
        var covered = 0
        for e in sorted {
            guard e.begin == covered else {
                throw SafeTensorsError(path: path, message: "the data section has bytes \(covered)..<\(e.begin) that no tensor holds (a wrong header length or a damaged file)")
            }
            covered = e.end
        }
        guard covered == dataLength else {
            throw SafeTensorsError(path: path, message: "the tensors end at byte \(covered) of a data section of \(dataLength) bytes (a wrong header length or a damaged file)")
        }
        var byName: [String: Int] = [:]
        for (k, e) in entries.enumerated() { byName[e.name] = k }
        return SafeTensorsHeader(entries: entries, metadata: metadata, byName: byName)
    }

    private static func entry(name: String, value: JSONValue, dataLength: Int, path: String) throws -> TensorEntry {
        func bad(_ what: String) -> SafeTensorsError { SafeTensorsError(path: path, message: "tensor '\(name)': \(what)") }
        guard value.object != nil else { throw bad("entry is not an object") }
        guard let dt = value["dtype"]?.string else { throw bad("missing dtype") }
        guard let dtype = DType(rawValue: dt) else { throw bad("unknown dtype '\(dt)'") }
        guard let shapeValues = value["shape"]?.array else { throw bad("missing shape") }
        var shape: [Int] = []
        for s in shapeValues {
            guard let n = s.int, n >= 0 else { throw bad("shape \(shapeValues.map { $0.serialized }) is not a list of non-negative integers") }
            shape.append(n)
        }
        guard let offsets = value["data_offsets"]?.array, offsets.count == 2,
              let begin = offsets[0].int, let end = offsets[1].int, begin >= 0, end >= begin else {
            throw bad("data_offsets must be two integers [begin, end] with begin ≤ end")
        }
        let (count, o1) = shape.reduce((1, false)) { acc, n in
            let (p, o) = acc.0.multipliedReportingOverflow(by: n)
            return (p, acc.1 || o)
        }
        let (bytes, o2) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !o1, !o2, bytes == end - begin else {
            throw bad("shape \(shape) of \(dtype.rawValue) needs \(o1 || o2 ? "too many" : String(bytes)) bytes but data_offsets span \(end - begin)")
        }
        guard end <= dataLength else {
            throw bad("data ends at byte \(end) of the data section, which has only \(dataLength) bytes (file truncated?)")
        }
        return TensorEntry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }
}
