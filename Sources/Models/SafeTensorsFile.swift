#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Kernels

/// A safetensors file opened for reading: the header parsed and validated, the data
/// memory-mapped, tensors converted to Float32 on request.
public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    public let header: SafeTensorsHeader
    private let base: UnsafeRawPointer
    private let mappedLength: Int
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        // Non-blocking, so that a FIFO or a device in its place cannot hang the open.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else {
            throw SafeTensorsError(path: path, message: "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SafeTensorsError(path: path, message: "cannot stat") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError(path: path, message: "not a regular file") }
        let size = Int(st.st_size)
        guard size >= 8 else {
            throw SafeTensorsError(path: path, message: "file has \(size) bytes; a safetensors file starts with an 8-byte header length")
        }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw SafeTensorsError(path: path, message: "cannot memory-map (\(String(cString: strerror(errno))))")
        }
        let raw = UnsafeRawPointer(map)
        let length = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(SafeTensorsHeader.maxHeaderBytes), Int(length) <= size - 8 else {
            munmap(map, size)
            let why = length > UInt64(SafeTensorsHeader.maxHeaderBytes) ? "is above the format's limit of \(SafeTensorsHeader.maxHeaderBytes)" : "does not fit in a file of \(size) bytes"
            throw SafeTensorsError(path: path, message: "header length \(length) \(why) (truncated or not safetensors)")
        }
        let n = Int(length)
        do {
            let json = UnsafeBufferPointer(start: (raw + 8).assumingMemoryBound(to: UInt8.self), count: n)
            header = try SafeTensorsHeader.parse(json: json, dataLength: size - 8 - n, path: path)
        } catch {
            munmap(map, size)
            throw error
        }
        base = raw
        mappedLength = size
        dataStart = 8 + n
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }

    public var names: [String] { header.entries.map(\.name) }
    public subscript(name: String) -> TensorEntry? { header[name] }

    /// Raw bytes of a tensor, valid while this object lives.
    public func bytes(of entry: TensorEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + dataStart + entry.begin, count: entry.end - entry.begin)
    }

    /// Converts tensor `name` to Float32 into `dst`, which holds `entry.count` floats.
    public func read(_ name: String, into dst: UnsafeMutablePointer<Float>) throws {
        guard let e = header[name] else { throw SafeTensorsError(path: path, message: "no tensor named '\(name)'") }
        try read(e, into: dst)
    }

    public func read(_ e: TensorEntry, into dst: UnsafeMutablePointer<Float>) throws {
        let src = bytes(of: e)
        switch e.dtype {
        case .F32:
            for i in 0..<e.count { dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .F16:
            for i in 0..<e.count { dst[i] = halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .BF16:
            for i in 0..<e.count { dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
        case .F64:
            for i in 0..<e.count { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        default:
            throw SafeTensorsError(path: path, message: "tensor '\(e.name)' has dtype \(e.dtype.rawValue); expected a float type (F32, F16, BF16)")
        }
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let e = header[name] else { throw SafeTensorsError(path: path, message: "no tensor named '\(name)'") }
        var out = [Float](repeating: 0, count: e.count)
        try out.withUnsafeMutableBufferPointer { try read(e, into: $0.baseAddress!) }
        return out
    }
}
