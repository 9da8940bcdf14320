package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.core.ProgramResult
import dev.lathe.engine.tensor.Runtime
import dev.lathe.ffi.Torch
import dev.lathe.scripts.sys.Blas

/** `lathe doctor`: what this machine runs Lathe on, and whether it will be fast. */
class DoctorCommand : CliktCommand(name = "doctor") {
    override fun help(context: Context) =
        "Show the JDK, libtorch, threads, the BLAS in use with its measured GEMM speed, CUDA and the shim ABI"

    override fun run() {
        line("lathe", dev.lathe.scripts.Lathe.VERSION)
        line("JDK", "${System.getProperty("java.version")} (${System.getProperty("java.vendor")}, " +
            "${System.getProperty("java.vm.name")}) at ${System.getProperty("java.home")}")
        val libtorch = runCatching { Runtime.libtorchVersion() }.getOrElse {
            line("libtorch", "FAILED to load: ${it.message ?: it}")
            echo("hint: install Debian's libtorch-dev (./lathe setup) or point LIBTORCH at a libtorch and rebuild", err = true)
            throw ProgramResult(1)
        }
        line("libtorch", "$libtorch (${System.getenv("LIBTORCH")?.let { "LIBTORCH=$it" } ?: "system libtorch; set LIBTORCH to use another"})")
        line("shim ABI", "${Torch.ABI_VERSION} (shim and bindings agree)")
        line("threads", "${Runtime.threads()} intra-op (cores available: ${java.lang.Runtime.getRuntime().availableProcessors()}; " +
            "LATHE_THREADS overrides)")
        blas()
        val cuda = Runtime.cudaDevices()
        line("CUDA", if (cuda > 0) "$cuda device(s)" else "not available (this libtorch is CPU-only or sees no GPU)")
    }

    private fun blas() {
        val gflops = Blas.gemmGflops()
        val libs = Blas.mapped()
        val used = Blas.inUse(libs)
        line("BLAS", used?.let { "${it.family} (${it.path})" } ?: "no BLAS library mapped (libtorch may be statically linked to one)")
        for (other in libs.filter { it != used }) line("", "also mapped: ${other.family} (${other.path})")
        line("GEMM fp32", "%.1f GFLOP/s (1024^3 matmul, best of 3)".format(gflops))
        if (gflops < 15) {
            echo("warning: fp32 GEMM is slow (unless the machine is busy); the reference BLAS gives ~6 GFLOP/s on 2 cores, OpenBLAS ~180. " +
                "Install libopenblas0-pthread (./lathe setup) and check `update-alternatives --display libblas.so.3-x86_64-linux-gnu`.", err = true)
        }
    }

    private fun line(key: String, value: String) = echo("%-10s %s".format(key, value))
}
