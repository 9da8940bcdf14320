package dev.lathe.tests.data

import dev.lathe.engine.data.CompletionBatch
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PackedBatch
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.TextExample
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** The batch layouts trainers consume, against hand-written arrays and their PairBatch rows. */
class BatchLayoutSpec : FunSpec({
    fun ex(prompt: IntArray, vararg completions: IntArray, label: Boolean? = null) = EncodedExample(
        PreparedRow(mapOf(), "mem", if (label != null) TextExample.kto("p", "c", label) else TextExample.pair(Method.DPO, "p", "c", "r")),
        prompt, arrayOf(*completions))

    // A: prompt [1,2] chosen [3] rejected [4,5]; B: prompt [6] chosen [7,8,9] rejected [10]
    val a = ex(intArrayOf(1, 2), intArrayOf(3), intArrayOf(4, 5))
    val b = ex(intArrayOf(6), intArrayOf(7, 8, 9), intArrayOf(10))

    test("PairBatch: chosen rows then rejected rows, right-padded, label mask on completions") {
        val p = PairBatch.of(listOf(a, b), 0)
        p.rows() shouldBe 4
        p.seqLen() shouldBe 4
        p.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 0, 6, 7, 8, 9, 1, 2, 4, 5, 6, 10, 0, 0)
        p.attentionMask().toList() shouldBe listOf<Byte>(1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0)
        p.labelMask().toList() shouldBe listOf<Byte>(0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0)
        p.positionIds().toList() shouldBe listOf<Long>(0, 1, 2, 0, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 0, 0)
        p.lengths().toList() shouldBe listOf(3, 4, 4, 2)
    }

    test("PackedBatch.separate (dpo_padding_free): no padding, positions restart per sequence, each sequence sees itself") {
        val p = PackedBatch.separate(listOf(a, b))
        p.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 6, 7, 8, 9, 1, 2, 4, 5, 6, 10)
        p.positionIds().toList() shouldBe listOf<Long>(0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1)
        p.spans().map { it.toList() } shouldBe listOf(listOf(0, 3, 0, 3), listOf(3, 7, 3, 7), listOf(7, 11, 7, 11), listOf(11, 13, 11, 13))
        // every token after a sequence's first, in PairBatch's row order: chosen a, chosen b, rejected a, rejected b
        p.predictor().toList() shouldBe listOf(0, 1, 3, 4, 5, 7, 8, 9, 11)
        p.labels().toList() shouldBe listOf<Long>(2, 3, 7, 8, 9, 2, 4, 5, 10)
        p.sequence().toList() shouldBe listOf(0, 0, 1, 1, 1, 2, 2, 2, 3)
        p.column().toList() shouldBe listOf(0, 1, 0, 1, 2, 0, 1, 2, 0)
        p.completion().toList() shouldBe listOf(false, true, true, true, true, false, true, true, true)
    }

    test("PackedBatch.sharedPrompt: prompt once, both completions continue its positions; rejected sees the prompt, not chosen") {
        val p = PackedBatch.sharedPrompt(listOf(a, b))
        p.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
        p.positionIds().toList() shouldBe listOf<Long>(0, 1, 2, 2, 3, 0, 1, 2, 3, 1)
        p.spans().map { it.toList() } shouldBe listOf(listOf(0, 3, 0, 3), listOf(3, 5, 0, 2, 3, 5), listOf(5, 9, 5, 9), listOf(9, 10, 5, 6, 9, 10))
        // the first rejected token of a is predicted from the last prompt token (index 1), not from chosen
        p.predictor().toList() shouldBe listOf(0, 1, 5, 6, 7, 0, 1, 3, 5)
        p.labels().toList() shouldBe listOf<Long>(2, 3, 7, 8, 9, 2, 4, 5, 10)
        p.sequence().toList() shouldBe listOf(0, 0, 1, 1, 1, 2, 2, 2, 3)
        p.column().toList() shouldBe listOf(0, 1, 0, 1, 2, 0, 1, 2, 0)
        p.completion().toList() shouldBe listOf(false, true, true, true, true, false, true, true, true)
    }

    test("both packed layouts predict every token from exactly the context of its PairBatch row") {
        val c = ex(intArrayOf(11, 12, 13), intArrayOf(14, 15), intArrayOf(16, 17, 18))
        val d = ex(intArrayOf(), intArrayOf(19, 20), intArrayOf(21)) // reward-style: no prompt
        val exs = listOf(a, b, c, d)
        val pb = PairBatch.of(exs, 0)
        for (p in listOf(PackedBatch.separate(exs), PackedBatch.sharedPrompt(exs))) {
            // what index q sees through the spans: its span's keys whose position is at most its own
            fun seen(q: Int): List<Pair<Long, Long>> {
                val sp = p.spans().first { q >= it[0] && q < it[1] }
                return (2 until sp.size step 2).flatMap { k -> (sp[k] until sp[k + 1]).toList() }
                    .filter { p.positionIds()[it] <= p.positionIds()[q] }.map { p.inputIds()[it] to p.positionIds()[it] }
            }
            // every real token after the first of every row is scored once
            p.labels().size shouldBe pb.lengths().sumOf { maxOf(it - 1, 0) }
            for (k in p.labels().indices) {
                val row = p.sequence()[k]
                val col = p.column()[k]
                val expected = (0..col).map { pb.inputIds()[row * pb.seqLen() + it] to pb.positionIds()[row * pb.seqLen() + it] }
                seen(p.predictor()[k]).sortedBy { it.second } shouldBe expected
                p.labels()[k] shouldBe pb.inputIds()[row * pb.seqLen() + col + 1]
                p.completion()[k] shouldBe (pb.labelMask()[row * pb.seqLen() + col + 1] == 1.toByte())
            }
        }
    }

    test("CompletionBatch (KTO) keeps each row's label") {
        val k = CompletionBatch.of(listOf(ex(intArrayOf(1), intArrayOf(2, 3), label = true), ex(intArrayOf(4, 5), intArrayOf(6), label = false)), 9)
        k.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 4, 5, 6)
        k.labelMask().toList() shouldBe listOf<Byte>(0, 1, 1, 0, 0, 1)
        k.desirable().toList() shouldBe listOf(true, false)
    }
})
