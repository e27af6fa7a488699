import CIntrinsics

/// Products of a few rows (decoding: one sequence, or the beams of one prompt) with a weight
/// packed in panels of four outputs, in float32 or float16.
///
/// The panel layout: outputs j ..< j+4 form one panel of 4·C values; within it, k-block b
/// (columns 8b ..< 8b+8) holds output j's eight weights, then j+1's, j+2's, j+3's. A pass over
/// the matrix is then one sequential stream in address order (the hardware prefetcher's best
/// case, no TLB churn), and each weight vector, once loaded, serves every row. Four separate
/// output rows would be four streams of C values each, too short for the prefetcher to ramp
/// up (measured: 30 vs 44 GB/s); Hugging Face's (C, OC) layout walks with a stride of OC.
///
/// Why float16: one decoding step must read every weight, so with one or two rows the step is
/// bound by memory bandwidth; half the bytes is up to twice the steps. The products and sums
/// stay in float32 (F16C converts eight weights per instruction).

/// How a packed weight's elements are stored and how eight of them become floats.
protocol WeightElement {
    static var bytes: Int { get }
    static func load8(_ p: UnsafeRawPointer, _ i: Int) -> SIMD8<Float>
}

extension Float: WeightElement {
    static var bytes: Int { 4 }
    @inline(__always) static func load8(_ p: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    }
}

/// IEEE half precision stored as its bit pattern (Swift's Float16 type is missing on Intel macOS).
struct Half16: WeightElement {
    static var bytes: Int { 2 }
    @inline(__always) static func load8(_ p: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
        #if os(macOS) && arch(x86_64)
        let h = p.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<UInt16>.self)
        return SIMD8<Float>((0..<8).map { halfToFloat(h[$0]) })
        #else
        return SIMD8<Float>(p.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<Float16>.self))
        #endif
    }
}

/// Values a panel layout of (OC, C) occupies: OC rounded up to a multiple of 4 (the padding
/// outputs are zero and never written), times C rounded up to a multiple of 8.
public func panelCount(OC: Int, C: Int) -> Int { (OC + 3) / 4 * 4 * ((C + 7) / 8 * 8) }

/// Packs the weight given as rows of outputs, src (OC, C) with row stride `srcRowStride` and
/// column stride `srcColStride` (so a (C, OC) Conv1D weight packs with strides 1 and OC), into
/// the panel layout, converted by `put(value, index)`.
@inline(__always)
func packPanels(OC: Int, C: Int, srcRowStride: Int, srcColStride: Int, src: UnsafePointer<Float>, put: (Float, Int) -> Void) {
    let Cp = (C + 7) / 8 * 8
    for j in 0..<((OC + 3) / 4 * 4) {
        let base = (j / 4) * 4 * Cp + (j % 4) * 8
        for k in 0..<Cp {
            let v: Float = j < OC && k < C ? src[j * srcRowStride + k * srcColStride] : 0
            put(v, base + (k / 8) * 32 + k % 8)
        }
    }
}

/// Float32 panels from a weight stored (OC, C) with the given strides.
public func packPanels(OC: Int, C: Int, srcRowStride: Int, srcColStride: Int, src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
    packPanels(OC: OC, C: C, srcRowStride: srcRowStride, srcColStride: srcColStride, src: src) { dst[$1] = $0 }
}

/// Float16 panels (bit patterns, round to nearest even).
public func packPanels(OC: Int, C: Int, srcRowStride: Int, srcColStride: Int, src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<UInt16>) {
    packPanels(OC: OC, C: C, srcRowStride: srcRowStride, srcColStride: srcColStride, src: src) { dst[$1] = floatToHalf($0) }
}

/// out (M, OC) = inp (M, C) · W [+ bias], W packed in float32 panels (`packPanels`); M ≤ 8.
public func fewRowsMatmul(out: Buf, inp: CBuf, panels: UnsafePointer<Float>, bias: CBuf?, M: Int, C: Int, OC: Int) {
    fewRows(Float.self, out: out, inp: inp, panels: UnsafeRawPointer(panels), bias: bias, M: M, C: C, OC: OC)
}

/// The same with float16 panels.
public func fewRowsMatmul(out: Buf, inp: CBuf, panels: UnsafePointer<UInt16>, bias: CBuf?, M: Int, C: Int, OC: Int) {
    fewRows(Half16.self, out: out, inp: inp, panels: UnsafeRawPointer(panels), bias: bias, M: M, C: C, OC: OC)
}

/// Row counts the kernels are specialised for: the loop body is written once, and each
/// specialisation keeps exactly R rows' sums in registers with no per-iteration tests.
protocol RowGroup { static var R: Int { get } }
enum OneRow: RowGroup { static var R: Int { 1 } }
enum TwoRows: RowGroup { static var R: Int { 2 } }

// Generic over the element and specialised inside this module (the public entry points are
// concrete, so no caller runs unspecialised generic code).
func fewRows<W: WeightElement>(_: W.Type, out: Buf, inp: CBuf, panels: UnsafeRawPointer, bias: CBuf?, M: Int, C: Int, OC: Int) {
    precondition(M >= 1 && M <= 8)
    // Rows in pairs: 8 sums, 4 weight vectors and the inputs fit the 16 vector registers (with
    // three rows the compiler re-read each weight from memory for every row, measured slower
    // in float32). With several groups the panel is walked in k-chunks, every group taking a
    // chunk while it is in L1, so memory still sees one forward stream.
    // Rows r, r+1 for even r < M − M % 2, then the last row alone when M is odd (no array:
    // this runs ~50 times a decoding step).
    let groupCount = M / 2 + M % 2
    let Cp = (C + 7) / 8 * 8
    let chunk = groupCount == 1 ? Cp : 256
    parallelFor((OC + 3) / 4, minChunk: 8) { q in
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 4 * M) { sums in
            let acc = sums.baseAddress!
            acc.initialize(repeating: SIMD8<Float>(), count: 4 * M)
            var k0 = 0
            while k0 < C {
                let k1 = min(C, k0 + chunk)
                let w = q * 4 * Cp + k0 * 4
                if groupCount > 1 {
                    // Ask for the next chunk now: its lines arrive while the groups work on this
                    // one. With several passes per chunk the loop is busy with arithmetic, and the
                    // hardware prefetcher alone left float32 weights streaming at ~25 GB/s.
                    let next = panels + (w + chunk * 4) * W.bytes
                    for line in stride(from: 0, to: chunk * 4 * W.bytes, by: 64) { prefetch_read(next + line) }
                }
                var r = 0
                while r < M {
                    let x = inp + r * C, a = acc + 4 * r
                    if M - r == 1 { panelChunk(W.self, OneRow.self, acc: a, inp: x, panels: panels, w: w, k0: k0, k1: k1, C: C) }
                    else { panelChunk(W.self, TwoRows.self, acc: a, inp: x, panels: panels, w: w, k0: k0, k1: k1, C: C) }
                    r += 2
                }
                k0 = k1
            }
            let j = q * 4
            for m in 0..<M {
                for o in 0..<4 where j + o < OC { out[m * OC + j + o] = acc[4 * m + o].sum() + (bias?[j + o] ?? 0) }
            }
        }
    }
}

/// Eight inputs of row m at column k; the columns past C (the panel's zero padding) read as 0.
@inline(__always)
func inputs8(_ x: CBuf, _ m: Int, _ k: Int, _ C: Int) -> SIMD8<Float> {
    if k + 8 <= C { return load8(x + m * C + k) }
    var v = SIMD8<Float>()
    for i in 0..<(C - k) { v[i] = x[m * C + k + i] }
    return v
}

/// Columns k0 ..< k1 of a panel's four outputs for R ≤ 2 rows, added into acc (R × 4 sums,
/// row-major), which the sums occupy in registers meanwhile. w: the panel's value at k0.
@inline(__always)
func panelChunk<W: WeightElement, G: RowGroup>(_: W.Type, _: G.Type, acc: UnsafeMutablePointer<SIMD8<Float>>, inp: CBuf,
                                               panels: UnsafeRawPointer, w start: Int, k0: Int, k1: Int, C: Int) {
    let R = G.R
    var a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3]
    var b0 = R > 1 ? acc[4] : SIMD8<Float>(), b1 = R > 1 ? acc[5] : SIMD8<Float>()
    var b2 = R > 1 ? acc[6] : SIMD8<Float>(), b3 = R > 1 ? acc[7] : SIMD8<Float>()
    var k = k0, w = start
    if R == 1 {
        // One row: two k-blocks per iteration into a and b, so eight sums are in flight.
        while k + 16 <= k1 {
            let x = load8(inp + k), y = load8(inp + k + 8)
            a0 = a0.addingProduct(W.load8(panels, w), x); a1 = a1.addingProduct(W.load8(panels, w + 8), x)
            a2 = a2.addingProduct(W.load8(panels, w + 16), x); a3 = a3.addingProduct(W.load8(panels, w + 24), x)
            b0 = b0.addingProduct(W.load8(panels, w + 32), y); b1 = b1.addingProduct(W.load8(panels, w + 40), y)
            b2 = b2.addingProduct(W.load8(panels, w + 48), y); b3 = b3.addingProduct(W.load8(panels, w + 56), y)
            k += 16; w += 64
        }
        a0 += b0; a1 += b1; a2 += b2; a3 += b3
    }
    while k < k1 {
        let u0 = W.load8(panels, w), u1 = W.load8(panels, w + 8), u2 = W.load8(panels, w + 16), u3 = W.load8(panels, w + 24)
        let x = inputs8(inp, 0, k, C)
        a0 = a0.addingProduct(u0, x); a1 = a1.addingProduct(u1, x); a2 = a2.addingProduct(u2, x); a3 = a3.addingProduct(u3, x)
        if R > 1 {
            let y = inputs8(inp, 1, k, C)
            b0 = b0.addingProduct(u0, y); b1 = b1.addingProduct(u1, y); b2 = b2.addingProduct(u2, y); b3 = b3.addingProduct(u3, y)
        }
        k += 8; w += 32
    }
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3
    if R > 1 { acc[4] = b0; acc[5] = b1; acc[6] = b2; acc[7] = b3 }
}
