import Foundation
import XCTest
import Kernels
import Models
import TestSupport

final class SafeTensorsTests: XCTestCase {
    func write(_ dtype: DType) throws -> (String, [Float], [Float]) {
        let path = TestPaths.tempDir("st") + "/t.safetensors"
        let a: [Float] = [0, 1, -2.5, 65504, 1e-6, 3.14159, -0.0, 1 / 3]
        let b: [Float] = (0..<6).map { Float($0) * 0.25 }
        try a.withUnsafeBufferPointer { pa in
            try b.withUnsafeBufferPointer { pb in
                try SafeTensorsWriter.write(path: path, tensors: [.init(name: "a", shape: [2, 4], values: pa),
                                                                  .init(name: "b.x", shape: [6], values: pb)],
                                            dtype: dtype, metadata: ["format": "pt"])
            }
        }
        return (path, a, b)
    }

    func testRoundTripsF32F16BF16() throws {
        for dtype in [DType.F32, .F16, .BF16] {
            let (path, a, b) = try write(dtype)
            let f = try SafeTensorsFile(path: path)
            XCTAssertEqual(f.names, ["a", "b.x"])
            XCTAssertEqual(f["a"]?.shape, [2, 4])
            XCTAssertEqual(f.header.metadata["format"], "pt")
            let tol: Float = dtype == .F32 ? 0 : (dtype == .F16 ? 1e-3 : 1e-2)
            for (x, y) in zip(try f.floats("a"), a) { XCTAssertEqual(x, y, accuracy: max(tol * abs(y), dtype == .F16 ? 1e-7 : 0)) }
            XCTAssertEqual(try f.floats("b.x"), b)  // quarter steps are exact in every dtype
        }
    }

    func testHalfConversionIsExactOnEveryHalf() {
        for bits in 0...UInt16.max {
            let f = halfToFloat(bits)
            if f.isNaN { continue }
            XCTAssertEqual(floatToHalf(f), bits, "half \(String(bits, radix: 16))")
        }
        XCTAssertEqual(floatToHalf(1 + 1.0 / 2048), 0x3C00)  // tie rounds to even
        XCTAssertEqual(floatToHalf(1e6), 0x7C00)
    }

    /// Rewrites a valid file's header and expects an error that names the file and `needle`.
    func expectHeaderError(_ header: String, data: Int, _ needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = TestPaths.tempDir("bad") + "/bad.safetensors"
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header.utf8)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: data))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensorsFile(path: path), file: file, line: line) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains(path) && m.contains(needle), m, file: file, line: line)
        }
    }

    func testRejectsCorruptHeaders() throws {
        let ok = #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#
        try expectHeaderError(ok, data: 4, "tensor 'w': data ends at byte 8")  // truncated
        try expectHeaderError(#"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: 8, "tensor 'w': shape [3]")
        try expectHeaderError(#"{"w": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}"#, data: 8, "unknown dtype")
        try expectHeaderError(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#,
                              data: 8, "overlap")
        try expectHeaderError(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#,
                              data: 8, "duplicate key \"w\"")
        try expectHeaderError(#"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#, data: 8, "non-negative")
        try expectHeaderError("{not json", data: 0, "not valid JSON")
    }

    func testRejectsAHeaderLengthPastTheEnd() throws {
        let path = TestPaths.tempDir("bad") + "/short.safetensors"
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(1000).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array("{}".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensorsFile(path: path)) { XCTAssertTrue("\($0)".contains("header length 1000"), "\($0)") }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SafeTensorsFile(path: path)) { XCTAssertTrue("\($0)".contains("8-byte header length"), "\($0)") }
    }
}
