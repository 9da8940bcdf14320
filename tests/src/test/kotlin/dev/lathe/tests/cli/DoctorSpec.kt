package dev.lathe.tests.cli

import com.github.ajalt.clikt.testing.test
import dev.lathe.engine.tensor.Runtime
import dev.lathe.scripts.cli.DoctorCommand
import dev.lathe.scripts.sys.Blas
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import java.io.File

class DoctorSpec : StringSpec({
    "doctor prints the libtorch version, which matches the headers the shim was built against" {
        val r = DoctorCommand().test("")
        r.statusCode shouldBe 0
        val line = r.stdout.lines().first { it.startsWith("libtorch") }
        val version = line.removePrefix("libtorch").trim().substringBefore(' ')
        version shouldMatch Regex("""\d+\.\d+\.\d+.*""")
        version shouldBe Runtime.libtorchVersion()
        // independent of the runtime: the installed headers' version (Debian libtorch-dev)
        val header = File("/usr/include/torch/csrc/api/include/torch/version.h")
        if (System.getenv("LIBTORCH") == null && header.isFile) {
            val major = Regex("TORCH_VERSION_MAJOR (\\d+)").find(header.readText())!!.groupValues[1]
            val minor = Regex("TORCH_VERSION_MINOR (\\d+)").find(header.readText())!!.groupValues[1]
            version shouldContain Regex("^$major\\.$minor\\.")
        }
        r.stdout shouldContain "JDK        ${System.getProperty("java.version")}"
        r.stdout shouldContain Regex("threads\\s+${Runtime.threads()} intra-op")
        r.stdout shouldContain "GEMM fp32"
    }

    "BLAS families are told apart by path" {
        Blas.family("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3") shouldBe "OpenBLAS"
        Blas.family("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3") shouldBe "reference BLAS (netlib)"
        Blas.family("/opt/intel/lib/libmkl_rt.so.2") shouldBe "Intel MKL"
    }

    "the BLAS mapped after a matmul is found in the process maps" {
        Blas.gemmGflops(n = 256, reps = 1) shouldBeGreaterThan 0.0
        val maps = File("/proc/self/maps")
        if (maps.canRead()) {
            val libs = Blas.mapped(maps)
            val expected = maps.readLines().any { it.contains("libblas.so") || it.contains("openblas") }
            (libs.isNotEmpty()) shouldBe expected
        }
    }
})
