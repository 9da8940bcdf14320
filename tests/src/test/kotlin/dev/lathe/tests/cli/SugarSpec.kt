package dev.lathe.tests.cli

import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.scripts.sugar.div
import dev.lathe.scripts.sugar.get
import dev.lathe.scripts.sugar.matmul
import dev.lathe.scripts.sugar.minus
import dev.lathe.scripts.sugar.noGrad
import dev.lathe.scripts.sugar.plus
import dev.lathe.scripts.sugar.scope
import dev.lathe.scripts.sugar.shapeList
import dev.lathe.scripts.sugar.slice
import dev.lathe.scripts.sugar.tensor
import dev.lathe.scripts.sugar.times
import dev.lathe.scripts.sugar.unaryMinus
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe

class SugarSpec : StringSpec({
    fun Tensor.floats() = toFloatArray().toList()
    fun <T> scoped(body: () -> T): T = Scope.open().use { body() }

    "operators with tensors and numbers on either side give torch's numbers" {
        scoped {
            val a = tensor(1f, 2f, 4f)
            val b = tensor(10f, 20f, 40f)
            (a + b).floats() shouldBe listOf(11f, 22f, 44f)
            (b - a).floats() shouldBe listOf(9f, 18f, 36f)
            (a * b).floats() shouldBe listOf(10f, 40f, 160f)
            (b / a).floats() shouldBe listOf(10f, 10f, 10f)
            (a * 2.0).floats() shouldBe listOf(2f, 4f, 8f)
            (2.0 * a).floats() shouldBe listOf(2f, 4f, 8f)
            (a + 1).floats() shouldBe listOf(2f, 3f, 5f)
            (1 - a).floats() shouldBe listOf(0f, -1f, -3f)
            (8 / a).floats() shouldBe listOf(8f, 4f, 2f)
            (a / 2).floats() shouldBe listOf(0.5f, 1f, 2f)
            (-a).floats() shouldBe listOf(-1f, -2f, -4f)
        }
    }

    "matmul, indexing and slicing" {
        scoped {
            val m = tensor(listOf(listOf(1, 2), listOf(3, 4)))           // [2, 2] int64
            m.dtype() shouldBe DType.I64
            m.shapeList shouldBe listOf(2L, 2L)
            // [[1,2],[3,4]] @ [[1,2],[3,4]] = [[7,10],[15,22]]
            (m matmul m).toLongArray().toList() shouldBe listOf(7L, 10L, 15L, 22L)
            m[1].toLongArray().toList() shouldBe listOf(3L, 4L)
            m[1, 0].itemLong() shouldBe 3L
            m[-1, -1].itemLong() shouldBe 4L
            val r = Tensors.arange(10)
            r.slice(0, 2..4).toLongArray().toList() shouldBe listOf(2L, 3L, 4L)
            r.slice(0, 1 until 9 step 3).toLongArray().toList() shouldBe listOf(1L, 4L, 7L)
            r.slice(0, 7, null).toLongArray().toList() shouldBe listOf(7L, 8L, 9L)
            r[0..1].toLongArray().toList() shouldBe listOf(0L, 1L)
            m.slice(1, 1..1).toLongArray().toList() shouldBe listOf(2L, 4L)
        }
    }

    "builders follow torch's default dtypes and reject ragged lists" {
        scoped {
            tensor(1f, 2f).dtype() shouldBe DType.F32
            tensor(1.5, 2.5).dtype() shouldBe DType.F32
            tensor(1.5, 2.5, dtype = DType.F64).toDoubleArray().toList() shouldBe listOf(1.5, 2.5)
            tensor(1, 2).dtype() shouldBe DType.I64
            tensor(listOf(listOf(0.5, 1), listOf(2, 3))).floats() shouldBe listOf(0.5f, 1f, 2f, 3f)
            shouldThrow<IllegalArgumentException> { tensor(listOf(listOf(1, 2), listOf(3))) }
        }
    }

    "scope frees what it made and hands back what it returned" {
        scoped {
            val before = Tensors.liveCount()
            val kept = scope {
                val t = tensor(1f, 2f, 3f)
                val u = t * 2.0
                (u + t).sum()
            }
            kept.item() shouldBe 18.0
            // only the returned tensor is still alive
            Tensors.liveCount() shouldBe before + 1
            val (p, q) = scope { tensor(1f) to tensor(2f) }
            (p + q).item() shouldBe 3.0
        }
    }

    "noGrad turns autograd off inside and restores it" {
        scoped {
            val w = tensor(1f, 2f).requiresGrad_(true)
            noGrad { (w * 2.0).requiresGrad() } shouldBe false
            Grad.isEnabled() shouldBe true
            val y = (w * w).sum()
            y.backward()
            w.grad().floats() shouldBe listOf(2f, 4f)
        }
    }
})
