package dev.lathe.scripts.sys

import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import java.io.File
import kotlin.math.max

/** Which BLAS libtorch's fp32 GEMM actually runs on, and how fast it is on this machine. */
object Blas {
    /** A BLAS-like library mapped into this process: its path (symlinks resolved) and family. */
    data class Mapped(val path: String, val family: String)

    private val LIB = Regex("""/(lib(openblas|blas|cblas|mkl_rt|mkl_core|blis|flexiblas|satlas|tatlas|atlas)[^/]*\.so[^/]*)$""")

    /** BLAS libraries in /proc/self/maps (call after a matmul: libtorch may load them lazily). */
    fun mapped(maps: File = File("/proc/self/maps")): List<Mapped> {
        if (!maps.canRead()) return emptyList()
        return maps.readLines().mapNotNull { line -> line.substringAfter(' ', "").let { rest ->
            val path = rest.trim().split(Regex("\\s+")).lastOrNull()?.takeIf { it.startsWith("/") }
            path?.takeIf { LIB.containsMatchIn(it) }
        } }.distinct().map { Mapped(it, family(it)) }
    }

    fun family(path: String): String {
        val p = path.lowercase()
        return when {
            "openblas" in p -> "OpenBLAS"
            "mkl" in p -> "Intel MKL"
            "blis" in p -> "BLIS"
            "flexiblas" in p -> "FlexiBLAS"
            "atlas" in p -> "ATLAS"
            "/blas/libblas" in p || p.endsWith("libblas.so.3") -> "reference BLAS (netlib)"
            else -> "unknown"
        }
    }

    /**
     * The one that serves sgemm: libtorch's libblas.so.3 dependency when present (Debian's
     * alternatives point it at OpenBLAS or at the slow reference BLAS), else the first mapped.
     */
    fun inUse(libs: List<Mapped>): Mapped? =
        libs.firstOrNull { it.path.substringAfterLast('/').startsWith("libblas.so") } ?: libs.firstOrNull()

    /** Best-of-[reps] GFLOP/s of an n x n x n fp32 matmul (2 n^3 flops), after one warm-up. */
    fun gemmGflops(n: Long = 1024, reps: Int = 3): Double = Grad.noGrad {
        Scope.open().use {
            val a = Tensors.randn(n, n)
            val b = Tensors.randn(n, n)
            a.matmul(b).close() // warm-up: loads the BLAS, starts its threads
            var best = Double.MAX_VALUE
            repeat(reps) {
                val t0 = System.nanoTime()
                a.matmul(b).close()
                best = minOf(best, (System.nanoTime() - t0) / 1e9)
            }
            2.0 * n * n * n / max(best, 1e-9) / 1e9
        }
    }
}
