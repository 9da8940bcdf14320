package dev.lathe.tests.tensor

import dev.lathe.engine.tensor.Aten
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.ffi.TorchException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp
import kotlin.math.ln

class TensorSpec : StringSpec({
    fun <T> scoped(body: () -> T): T = Scope.open().use { body() }

    "arithmetic broadcasts and matches hand-computed values" {
        scoped {
            val a = Tensors.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3)
            val b = Tensors.of(floatArrayOf(10f, 20f, 30f), 3)
            a.add(b).toFloatArray().toList() shouldBe listOf(11f, 22f, 33f, 14f, 25f, 36f)
            a.mul(2.0).sub(1.0).toFloatArray().toList() shouldBe listOf(1f, 3f, 5f, 7f, 9f, 11f)
            a.matmul(a.t()).toFloatArray().toList() shouldBe listOf(14f, 32f, 32f, 77f)
            a.sum(1, false).toFloatArray().toList() shouldBe listOf(6f, 15f)
            a.mean().item() shouldBe (3.5 plusOrMinus 1e-6)
            a.shape().toList() shouldBe listOf(2L, 3L)
        }
    }

    "softmax, log_softmax, logsigmoid and logsumexp agree with the formulas" {
        scoped {
            val x = Tensors.of(doubleArrayOf(0.5, -1.0, 2.0))
            val z = exp(0.5) + exp(-1.0) + exp(2.0)
            x.softmax(0).toDoubleArray()[2] shouldBe (exp(2.0) / z plusOrMinus 1e-12)
            x.logSoftmax(0).toDoubleArray()[1] shouldBe (-1.0 - ln(z) plusOrMinus 1e-12)
            x.logsumexp(0, false).item() shouldBe (ln(z) plusOrMinus 1e-12)
            x.logsigmoid().toDoubleArray()[0] shouldBe (-ln(1 + exp(-0.5)) plusOrMinus 1e-12)
        }
    }

    "integer tensors keep integer dtype with integral scalars" {
        scoped {
            val i = Tensors.arange(5)
            i.dtype() shouldBe DType.I64
            i.add(1.0).dtype() shouldBe DType.I64
            i.add(1.0).toLongArray().toList() shouldBe listOf(1L, 2L, 3L, 4L, 5L)
            i.to(DType.BF16).dtype() shouldBe DType.BF16
            i.gt(2.0).toBooleanArray().toList() shouldBe listOf(false, false, false, true, true)
        }
    }

    "autograd gives d(sum x^3)/dx = 3x^2 and respects no-grad" {
        scoped {
            val x = Tensors.of(doubleArrayOf(1.0, 2.0, -3.0)).requiresGrad_(true)
            x.pow(3.0).sum().backward()
            x.grad()!!.toDoubleArray().toList() shouldBe listOf(3.0, 12.0, 27.0)
            x.zeroGrad()
            x.grad() shouldBe null
            Grad.disabled().use { x.mul(2.0).requiresGrad() shouldBe false }
            val y = x.mul(x).sum()
            val g = Grad.grad(listOf(y), listOf(x), false, true)[0]!!
            g.toDoubleArray().toList() shouldBe listOf(2.0, 4.0, -6.0)
        }
    }

    "gather, index_select, masked_fill, cat and split" {
        scoped {
            val m = Tensors.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3)
            val idx = Tensors.of(longArrayOf(2, 0), 2, 1)
            m.gather(1, idx).toFloatArray().toList() shouldBe listOf(3f, 4f)
            m.indexSelect(1, Tensors.of(longArrayOf(1))).toFloatArray().toList() shouldBe listOf(2f, 5f)
            m.maskedFill(m.gt(3.0), 0.0).toFloatArray().toList() shouldBe listOf(1f, 2f, 3f, 0f, 0f, 0f)
            Tensors.cat(listOf(m, m), 0).shape().toList() shouldBe listOf(4L, 3L)
            m.split(1, 1).size shouldBe 3
        }
    }

    "the dispatcher reaches ops with no typed wrapper, with defaults filled in" {
        scoped {
            val x = Tensors.of(doubleArrayOf(0.0, 1.0, 2.0))
            val r = Aten.tensor("aten::logcumsumexp", x, 0L)
            r.toDoubleArray()[2] shouldBe (ln(1 + exp(1.0) + exp(2.0)) plusOrMinus 1e-12)
            val s = Aten.tensor("aten::add.Tensor", x, x) // alpha defaults to 1
            s.toDoubleArray().toList() shouldBe listOf(0.0, 2.0, 4.0)
            Aten.schema("aten::add.Tensor") shouldContain "Scalar alpha=1"
        }
    }

    "libtorch errors surface as TorchException with libtorch's message and the JVM carries on" {
        scoped {
            val a = Tensors.zeros(2, 3)
            val b = Tensors.zeros(4, 5)
            shouldThrow<TorchException> { a.matmul(b) }.message shouldContain "cannot be multiplied"
            shouldThrow<TorchException> { a.select(0, 7) }.message shouldContain "out of range"
            shouldThrow<TorchException> { a.view(7) }.message shouldContain "invalid"
            shouldThrow<TorchException> { Aten.call("aten::no_such_op", a) }.message shouldContain "no operator aten::no_such_op"
            shouldThrow<TorchException> { Tensors.fromBytes(ByteArray(3), DType.F32, 1) }.message shouldContain "needs 4"
            a.add(1.0).sum().item() shouldBe 6.0
        }
    }

    "a closed scope frees its tensors and a kept tensor survives it" {
        val before = Tensors.liveCount()
        val kept: Tensor
        Scope.open().use { outer ->
            Scope.open().use { inner ->
                Tensors.ones(3).add(1.0)
                kept = inner.keep(Tensors.ones(2).mul(5.0))
            }
            kept.toFloatArray().toList() shouldBe listOf(5f, 5f)
            (Tensors.liveCount() - before) shouldBe 1L
        }
        kept.isFreed shouldBe true
        Tensors.liveCount() shouldBe before
        shouldThrow<IllegalStateException> { kept.sum() }.message shouldContain "freed"
    }
})
