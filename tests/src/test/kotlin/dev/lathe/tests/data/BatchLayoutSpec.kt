package dev.lathe.tests.data

import dev.lathe.engine.data.BatchTensors
import dev.lathe.engine.data.CompletionBatch
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PackedBatch
import dev.lathe.engine.data.PairBatch
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.SharedPrefixBatch
import dev.lathe.engine.data.TextExample
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** The three layouts trainers consume, against hand-written arrays. */
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

    test("BatchTensors: the same arrays as int64/bool tensors of shape [2b, s] and [1, T]") {
        Scope.open().use {
            val p = PairBatch.of(listOf(a, b), 0)
            val t = BatchTensors.of(p)
            t.inputIds().shape().toList() shouldBe listOf(4L, 4L)
            t.inputIds().toLongArray().toList() shouldBe p.inputIds().toList()
            t.labelMask().toBooleanArray().toList() shouldBe p.labelMask().map { it == 1.toByte() }
            t.positionIds().toLongArray().toList() shouldBe p.positionIds().toList()
            val k = BatchTensors.of(PackedBatch.pairs(listOf(a, b)))
            k.inputIds().shape().toList() shouldBe listOf(1L, 13L)
            k.cuSeqlens()!!.toIntArray().toList() shouldBe listOf(0, 3, 7, 11, 13)
        }
    }

    test("PackedBatch: no padding, positions restart per sequence, cu_seqlens mark the starts") {
        val p = PackedBatch.pairs(listOf(a, b))
        p.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 6, 7, 8, 9, 1, 2, 4, 5, 6, 10)
        p.positionIds().toList() shouldBe listOf<Long>(0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1)
        p.labelMask().toList() shouldBe listOf<Byte>(0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1)
        p.cuSeqlens().toList() shouldBe listOf(0, 3, 7, 11, 13)
        listOf(0, 2, 3, 7, 10, 11, 12).map { p.sequenceOf(it) } shouldBe listOf(0, 0, 1, 2, 2, 3, 3)
    }

    test("SharedPrefixBatch: prompt once, both completions continue its positions; rejected cannot see chosen") {
        val s = SharedPrefixBatch.of(listOf(a, b), 0)
        s.seqLen() shouldBe 5
        s.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
        s.segment().toList() shouldBe listOf<Byte>(0, 0, 1, 2, 2, 0, 1, 1, 1, 2)
        s.positionIds().toList() shouldBe listOf<Long>(0, 1, 2, 2, 3, 0, 1, 2, 3, 1)
        s.labelMask().toList() shouldBe listOf<Byte>(0, 0, 1, 1, 1, 0, 1, 1, 1, 1)
        s.predictorIndex().toList() shouldBe listOf(-1, 0, 1, 1, 3, -1, 0, 1, 2, 0)
        s.attentionMask().toList().subList(0, 25) shouldBe listOf<Byte>(
            1, 0, 0, 0, 0,
            1, 1, 0, 0, 0,
            1, 1, 1, 0, 0,
            1, 1, 0, 1, 0,
            1, 1, 0, 1, 1)
    }

    test("SharedPrefixBatch shows every completion token the same context as the PairBatch row it replaces") {
        val c = ex(intArrayOf(11, 12, 13), intArrayOf(14, 15), intArrayOf(16, 17, 18))
        val exs = listOf(a, b, c)
        val s = SharedPrefixBatch.of(exs, 0)
        val p = PairBatch.of(exs, 0)
        for (r in exs.indices) {
            for (i in 0 until s.seqLen()) {
                val seg = s.segment()[r * s.seqLen() + i].toInt()
                if (seg <= 0) continue
                val seen = (0..i).filter { s.allowed(r, i, it) }
                    .map { s.inputIds()[r * s.seqLen() + it] to s.positionIds()[r * s.seqLen() + it] }
                val row = if (seg == 1) r else exs.size + r
                val pos = s.positionIds()[r * s.seqLen() + i].toInt()
                val expected = (0..pos).map { p.inputIds()[row * p.seqLen() + it] to p.positionIds()[row * p.seqLen() + it] }
                seen shouldBe expected
            }
        }
    }

    test("CompletionBatch (KTO) keeps each row's label") {
        val k = CompletionBatch.of(listOf(ex(intArrayOf(1), intArrayOf(2, 3), label = true), ex(intArrayOf(4, 5), intArrayOf(6), label = false)), 9)
        k.inputIds().toList() shouldBe listOf<Long>(1, 2, 3, 4, 5, 6)
        k.labelMask().toList() shouldBe listOf<Byte>(0, 1, 1, 0, 0, 1)
        k.desirable().toList() shouldBe listOf(true, false)
        PackedBatch.completions(listOf(ex(intArrayOf(1), intArrayOf(2, 3), label = true))).positionIds().toList() shouldBe listOf<Long>(0, 1, 2)
    }
})
