#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The one door to the machine's BLAS: OpenBLAS on Linux, Accelerate on macOS.
///
/// Matrices are row-major. `sgemm` computes C = alpha · op(A) · op(B) + beta · C
/// with op(A): (M, K), op(B): (K, N), C: (M, N).
public enum BLAS {
    /// Sets how many threads the BLAS uses (OpenBLAS only; Accelerate chooses itself).
    public static func setThreads(_ n: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(max(1, n)))
        #endif
    }

    public static var threads: Int {
        #if canImport(Accelerate)
        return 1
        #else
        return Int(openblas_get_num_threads())
        #endif
    }

    /// y = alpha · op(A) · x + beta · y; A row-major (M, N), op(A) = Aᵀ when `trans`.
    @inline(__always)
    public static func sgemv(trans: Bool, M: Int, N: Int, alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(M), Int32(N), alpha, A, Int32(lda), x, 1, beta, y, 1)
    }

    @inline(__always)
    public static func sgemm(
        transA: Bool, transB: Bool, M: Int, N: Int, K: Int,
        alpha: Float = 1, A: UnsafePointer<Float>, lda: Int,
        B: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha,
                    A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }
}
