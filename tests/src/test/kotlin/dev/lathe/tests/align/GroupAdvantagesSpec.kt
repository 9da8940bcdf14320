package dev.lathe.tests.align

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.align.Losses
import dev.lathe.tests.align.Hand.close
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import kotlin.math.sqrt

/** GRPO/GDPO advantages: the objectives-trl.md example, hand-derived GDPO, and the PyTorch fixture. */
class GroupAdvantagesSpec : FunSpec({
    test("GRPO example: rewards (1,0,0,1), G=4 -> std 0.57735, A = ±0.865875") {
        val adv = Losses.grpoAdvantages(4, "group", "sum_then_normalize", listOf("r"), null)
            .compute(arrayOf(doubleArrayOf(1.0), doubleArrayOf(0.0), doubleArrayOf(0.0), doubleArrayOf(1.0)))
        close(adv.metrics()["reward_std"]!!, 0.57735, "std", 1e-5)
        adv.advantages().toList().zip(listOf(1.0, -1.0, -1.0, 1.0)).forEach { (a, s) -> close(a, s * 0.865875, "A", 1e-5) }
    }

    test("GDPO normalises each reward within its group before the weighted sum, then over the batch") {
        // G = 2, two prompts, two functions; every group has values (x, y) with x > y per function
        val r = arrayOf(doubleArrayOf(1.0, 10.0), doubleArrayOf(0.0, 0.0), doubleArrayOf(3.0, 0.0), doubleArrayOf(1.0, 2.0))
        val res = Losses.grpoAdvantages(2, "none", "normalize_then_sum", listOf("a", "b"), listOf(1.0, 2.0)).compute(r)
        // within a group of two the unbiased std is |x − y|/√2
        val e = 1e-4
        fun norm(x: Double, y: Double) = (x - (x + y) / 2) / (kotlin.math.abs(x - y) / sqrt(2.0) + e)
        val summed = listOf(
            1 * norm(1.0, 0.0) + 2 * norm(10.0, 0.0), 1 * norm(0.0, 1.0) + 2 * norm(0.0, 10.0),
            1 * norm(3.0, 1.0) + 2 * norm(0.0, 2.0), 1 * norm(1.0, 3.0) + 2 * norm(2.0, 0.0))
        val mu = summed.average()
        val sd = sqrt(summed.sumOf { (it - mu) * (it - mu) } / 3)
        res.advantages().toList().zip(summed.map { (it - mu) / (sd + e) }).forEach { (a, x) -> close(a, x, "A", 1e-9) }
    }

    val root = ObjectMapper().readTree(Files.readString(fixture("align/losses.json")))
    val g = root["inputs"]["grpo"]
    val rewards = Array(g["rewards"].size()) { j ->
        val row = g["rewards"][j]
        DoubleArray(row.size()) { k -> if (row[k].isNull) Double.NaN else row[k].asDouble() }
    }
    for (case in root["grpo_cases"]) {
        test("fixture: ${case["name"].asText()}") {
            val res = Losses.grpoAdvantages(g["group_size"].asInt(), case["scale_rewards"].asText(),
                case["aggregation"].asText(), g["names"].map { it.asText() }, g["weights"].map { it.asDouble() })
                .compute(rewards)
            res.advantages().toList().zip(case["advantages"].map { it.asDouble() }).forEachIndexed { i, (a, e) ->
                close(a, e, "advantage $i", 1e-9)
            }
            val want = case["metrics"].properties().associate { it.key to it.value.asDouble() }
            res.metrics().keys shouldBe want.keys
            for ((k, v) in want) close(res.metrics()[k]!!, v, k, 1e-9)
        }
    }

    test("bad GRPO settings and rewards fail clearly") {
        shouldThrow<IllegalArgumentException> { Losses.grpoAdvantages(4, "grup", "sum_then_normalize", listOf("r"), null) }
            .message shouldContain "did you mean 'group'"
        shouldThrow<IllegalArgumentException> { Losses.grpoAdvantages(4, "group", "sum", listOf("r"), null) }
            .message shouldContain "multi_objective_aggregation"
        shouldThrow<IllegalArgumentException> { Losses.grpoAdvantages(1, "group", "sum_then_normalize", listOf("r"), null) }
            .message shouldContain "num_generations"
        val a = Losses.grpoAdvantages(2, "group", "sum_then_normalize", listOf("len", "fmt"), null)
        shouldThrow<IllegalArgumentException> { a.compute(arrayOf(doubleArrayOf(1.0, 2.0), doubleArrayOf(1.0))) }
            .message shouldContain "rewards row 1: expected 2 values"
        shouldThrow<IllegalArgumentException> { a.compute(arrayOf(doubleArrayOf(1.0, 2.0))) }
            .message shouldContain "multiple of num_generations 2"
        shouldThrow<IllegalArgumentException> {
            a.compute(arrayOf(doubleArrayOf(1.0, 2.0), doubleArrayOf(Double.POSITIVE_INFINITY, 0.0)))
        }.message shouldContain "reward function 'len' returned Infinity for completion 1"
    }
})
