package dev.lathe.tests.ffi

import dev.lathe.engine.tensor.Aten
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.ffi.Torch
import dev.lathe.ffi.TorchException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith

class FfiSpec : StringSpec({
    "the shim reports its ABI and the libtorch it was built against" {
        Torch.ABI_VERSION shouldBe 1
        // Debian's libtorch-dev is 1.13.x; another LIBTORCH would say its own version
        Runtime.libtorchVersion() shouldStartWith System.getenv().getOrDefault("LATHE_EXPECT_TORCH", "1.13")
    }

    "intra-op threads are set from the available cores (or LATHE_THREADS), not libtorch's packaged default of one" {
        // LATHE_THREADS overrides the core count (engineers set it to 1 on a shared machine)
        val wanted = (System.getProperty("lathe.threads") ?: System.getenv("LATHE_THREADS"))?.toIntOrNull()
            ?: java.lang.Runtime.getRuntime().availableProcessors()
        Runtime.threads() shouldBe wanted
    }

    "dispatcher calls return lists and tuples" {
        Scope.open().use {
            val x = Tensors.arange(6)
            @Suppress("UNCHECKED_CAST")
            val parts = Aten.call("aten::split.Tensor", x, 4L) as List<Tensor>
            parts.map { it.toLongArray().toList() } shouldBe listOf(listOf(0L, 1L, 2L, 3L), listOf(4L, 5L))
            val out = Aten.callAll("aten::max.dim", Tensors.of(floatArrayOf(1f, 9f, 3f)), 0L)
            (out[0] as Tensor).item() shouldBe 9.0
            (out[1] as Tensor).itemLong() shouldBe 1L
        }
    }

    "a dispatcher call with too many or mistyped arguments is an error, not a crash" {
        Scope.open().use {
            val x = Tensors.zeros(2)
            shouldThrow<TorchException> { Aten.call("aten::neg", x, x, x) }.message shouldContain "takes 1 arguments"
            shouldThrow<TorchException> { Aten.call("aten::sum.dim_IntList", x, "oops") }
        }
    }

    "live handles are counted natively" {
        val before = Torch.liveTensors()
        Scope.open().use {
            Tensors.ones(2); Tensors.ones(3)
            Torch.liveTensors() - before shouldBe 2L
        }
        Torch.liveTensors() shouldBe before
    }
})
