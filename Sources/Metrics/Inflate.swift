import CZlib
import Support
import Foundation

/// zlib's inflate for the two containers METEOR's resources come in: a jar's raw-deflate
/// entries (all in memory, of a size the archive declares) and a gzip file streamed in
/// chunks (the English paraphrase table is 272 MB inflated; only what a scorer keeps of it
/// stays in memory).
public enum Inflate {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A raw-deflate stream that must inflate to exactly `size` bytes.
    static func raw(_ input: ArraySlice<UInt8>, size: Int, name: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var z = z_stream()
        guard inflateInit2_(&z, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "\(name): zlib could not start")
        }
        defer { inflateEnd(&z) }
        var input = Array(input)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                z.next_in = inp.baseAddress
                z.avail_in = uInt(inp.count)
                z.next_out = o.baseAddress
                z.avail_out = uInt(o.count)
                return inflate(&z, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(z.total_out) == size else {
            throw Failure(description: "\(name): the deflated data is corrupt or not the \(size) bytes its header declares")
        }
        return out
    }

    /// Streams a gzip file (members one after another, as gzip allows) through `body`, chunk
    /// by chunk, stopping with an error past `maxBytes` inflated.
    static func gzip(path: String, maxBytes: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard case .regular? = FileRead.kind(path), let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(description: "\(path): not a readable file")
        }
        defer { try? handle.close() }
        var z = z_stream()
        guard inflateInit2_(&z, MAX_WBITS + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "\(path): zlib could not start")
        }
        defer { inflateEnd(&z) }
        var out = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0, ended = false, sawInput = false
        while true {
            guard let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty else { break }
            sawInput = true
            var chunk = [UInt8](data)
            var offset = 0
            // Until this chunk is consumed and zlib has no output left for a full buffer.
            while true {
                if ended {
                    if offset == chunk.count { break }
                    inflateReset(&z); ended = false
                }
                var produced = 0
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { inp in
                    out.withUnsafeMutableBufferPointer { o in
                        z.next_in = inp.baseAddress! + offset
                        z.avail_in = uInt(inp.count - offset)
                        z.next_out = o.baseAddress
                        z.avail_out = uInt(o.count)
                        let s = inflate(&z, Z_NO_FLUSH)
                        produced = o.count - Int(z.avail_out)
                        offset = inp.count - Int(z.avail_in)
                        return s
                    }
                }
                if status == Z_STREAM_END { ended = true } else if status != Z_OK && status != Z_BUF_ERROR {
                    throw Failure(description: "\(path): not gzip data, or corrupt (zlib status \(status))")
                }
                total += produced
                if total > maxBytes { throw Failure(description: "\(path): inflates to more than \(maxBytes >> 20) MiB") }
                try out.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
                if offset == chunk.count && produced < out.count { break }
                if produced == 0 && status == Z_BUF_ERROR { break }
            }
        }
        guard sawInput, ended else { throw Failure(description: "\(path): the gzip data ends early") }
    }
}
