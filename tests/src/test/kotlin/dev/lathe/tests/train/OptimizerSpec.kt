package dev.lathe.tests.train

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.Optimizer
import dev.lathe.engine.train.Sgd
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Optimizers against torch.optim trajectories (tests/fixtures/train/optimizers.py); schedules against hand values. */
class OptimizerSpec : StringSpec({
    val fixture = ObjectMapper().readTree(repoRoot().resolve("tests/fixtures/train/optimizers.json").toFile())
    val p0 = fixture["p0"].map { it.asDouble() }.toDoubleArray()
    val grads = fixture["grads"].map { g -> g.map { it.asDouble() }.toDoubleArray() }
    val lrs = fixture["lrs"].map { it.asDouble() }

    fun trajectory(make: (Map<String, Tensor>) -> Optimizer): List<DoubleArray> {
        val owner = Scope.detached()
        val p = owner.own(Tensors.of(p0).requiresGrad_(true))
        val out = mutableListOf<DoubleArray>()
        make(mapOf("w" to p)).use { opt ->
            for (i in grads.indices) Scope.open().use {
                p.setGrad(Tensors.of(grads[i]))
                opt.step(lrs[i])
                opt.zeroGrad()
                out += p.toDoubleArray()
            }
        }
        owner.close()
        return out
    }

    fun shouldMatch(actual: List<DoubleArray>, key: String) {
        val expected = fixture[key]
        for (step in actual.indices) for (j in actual[step].indices) {
            actual[step][j] shouldBe (expected[step][j].asDouble() plusOrMinus 1e-12)
        }
    }

    "AdamW (decoupled weight decay, betas, eps) follows torch.optim.AdamW step for step" {
        shouldMatch(trajectory { AdamW(it, AdamW.Settings(0.9, 0.99, 1e-6, 0.1)) }, "adamw")
    }

    "SGD with momentum and weight decay follows torch.optim.SGD" {
        shouldMatch(trajectory { Sgd(it, 0.9, 0.01) }, "sgd_momentum")
    }

    "AdamW skips weight decay on biases and norm weights" {
        val owner = Scope.detached()
        val bias = owner.own(Tensors.of(doubleArrayOf(1.0)).requiresGrad_(true))
        val w = owner.own(Tensors.of(doubleArrayOf(1.0)).requiresGrad_(true))
        AdamW(mapOf("fc.bias" to bias, "fc.weight" to w), AdamW.Settings(0.9, 0.999, 1e-8, 0.5)).use { opt ->
            Scope.open().use {
                bias.setGrad(Tensors.of(doubleArrayOf(0.0)))
                w.setGrad(Tensors.of(doubleArrayOf(0.0)))
                opt.step(0.1)
            }
        }
        bias.item() shouldBe (1.0 plusOrMinus 1e-12) // zero grad, no decay
        w.item() shouldBe (0.95 plusOrMinus 1e-12) // 1 * (1 - 0.1*0.5)
        owner.close()
    }

    "optimizer state round-trips and a mismatched state names the tensor" {
        val owner = Scope.detached()
        val p = owner.own(Tensors.zeros(longArrayOf(3), DType.F32).requiresGrad_(true))
        AdamW(mapOf("w" to p), AdamW.Settings.defaults()).use { a ->
            Scope.open().use {
                val wrong = mapOf("w.exp_avg" to Tensors.zeros(4), "w.exp_avg_sq" to Tensors.zeros(3))
                shouldThrow<IllegalArgumentException> { a.load(wrong, 1) }.message shouldContain "w.exp_avg"
                val missing = mapOf("w.exp_avg" to Tensors.zeros(3))
                shouldThrow<IllegalArgumentException> { a.load(missing, 1) }.message shouldContain "w.exp_avg_sq"
            }
        }
        owner.close()
    }

    "constant, linear and cosine schedules with warmup and a cosine floor" {
        val w = LrSchedule.Warmup.steps(10)
        val constant = LrSchedule.Constant(w)
        constant.factor(0, 100) shouldBe 0.0 // HF: the first update of a warmup has lr 0
        constant.factor(5, 100) shouldBe 0.5
        constant.factor(50, 100) shouldBe 1.0
        val linear = LrSchedule.Linear(w)
        linear.factor(10, 100) shouldBe 1.0
        linear.factor(55, 100) shouldBe (0.5 plusOrMinus 1e-12) // (100-55)/(100-10)
        linear.factor(100, 100) shouldBe 0.0
        val cosine = LrSchedule.Cosine(w, 0.0)
        cosine.factor(55, 100) shouldBe (0.5 plusOrMinus 1e-12) // half way: (1+cos(pi/2))/2
        cosine.factor(100, 100) shouldBe (0.0 plusOrMinus 1e-12)
        val floor = LrSchedule.Cosine(LrSchedule.Warmup.NONE, 0.1)
        floor.factor(0, 100) shouldBe 1.0
        floor.factor(50, 100) shouldBe (0.1 + 0.9 * 0.5 plusOrMinus 1e-12)
        floor.factor(100, 100) shouldBe (0.1 plusOrMinus 1e-12)
        LrSchedule.Warmup.ratio(0.05).resolve(30) shouldBe 2L // ceil(1.5)
        shouldThrow<IllegalArgumentException> { LrSchedule.Warmup(3, 0.1) }.message shouldContain "mutually exclusive"
    }
})
