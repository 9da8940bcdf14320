package dev.lathe.tests.ebft

import dev.lathe.engine.model.Inputs
import dev.lathe.engine.nn.AttentionMask
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.ebft.StridedBatch
import dev.lathe.engine.train.ebft.StridedDoc
import dev.lathe.engine.train.ebft.StridedLayout
import dev.lathe.engine.train.ebft.StridedStep
import dev.lathe.tests.train.MethodFixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import java.util.SplittableRandom
import kotlin.math.abs

/**
 * The block-parallel layout (ebft-nemogym.md §A.7.3–A.7.6, §A.7.8): the worked example by hand, the mask
 * against a brute-force construction from token descriptors, and a tiny Llama's hidden states under the
 * strided mask against ordinary causal forwards of "document before the anchor + that block's tokens".
 */
class StridedLayoutSpec : StringSpec({
    "worked example S=24, anchor 8, stride 8, G=4: positions, position ids, logit sources, advantage blocks, mask row 27" {
        val lay = StridedLayout.of(24, 8, 8, 4)
        lay.blocks() shouldBe 2
        lay.length(4) shouldBe 32
        val ids = lay.positionIds(4)
        (24 until 32).map { ids[it] } shouldBe listOf(8L, 16, 9, 17, 10, 18, 11, 19)
        // the logits that sampled each generated token: a_b − 1 first, then the block's previous token
        (24 until 32).map { lay.logitSource(it) } shouldBe listOf(7, 15, 24, 25, 26, 27, 28, 29)
        // advantages by block, step-major: (0,1,0,1,...) — Axolotl's repeat_interleave gives (0,0,0,0,1,1,1,1)
        (24 until 32).map { lay.blockOf(it) } shouldBe listOf(0, 1, 0, 1, 0, 1, 0, 1)
        val row = (0 until 32).filter { lay.allowed(27, it) }
        row shouldBe (0..15).toList() + listOf(25, 27)
    }

    "the mask equals a brute-force construction from token descriptors, for several geometries" {
        data class Tok(val doc: Int?, val step: Int, val block: Int)
        for ((s, off, stride, g) in listOf(listOf(24, 8, 8, 4), listOf(17, 3, 2, 3), listOf(12, 1, 5, 1), listOf(9, 2, 1, 2), listOf(10, 8, 3, 2))) {
            val lay = StridedLayout.of(s, off, stride, g)
            val nb = if (s - g - off < 0) 0 else (s - g - off) / stride + 1
            lay.blocks() shouldBe nb
            // the sequence as generation appends it: the document, then per step one token for every block
            val toks = (0 until s).map { Tok(it, -1, -1) } + (0 until g).flatMap { t -> (0 until nb).map { b -> Tok(null, t, b) } }
            val n = toks.size
            lay.length(g) shouldBe n
            val mask = lay.mask(g)
            for (q in 0 until n) for (k in 0 until n) {
                val a = toks[q]; val b = toks[k]
                val want = when {
                    q == k -> true
                    a.doc != null -> b.doc != null && b.doc <= a.doc
                    b.doc != null -> b.doc < off + a.block * stride // the document before the block's anchor
                    else -> b.block == a.block && b.step < a.step
                }
                if (mask[q * n + k] != want) throw AssertionError("s=$s off=$off stride=$stride g=$g: q=$q k=$k expected $want")
            }
            for (q in s until n) lay.positionIds(g)[q] shouldBe (off + toks[q].block * stride + toks[q].step).toLong()
        }
    }

    "a tiny Llama under the strided mask sees exactly what a causal forward over (document[:a_b] + block b) sees" {
        MethodFixtures.tinyLm(3).use { m ->
            m.train(false)
            val r = SplittableRandom(4)
            val lay = StridedLayout.of(20, 4, 4, 3) // 4 blocks of 3 tokens: length 32
            val ids = LongArray(lay.length(3)) { 3L + r.nextInt(MethodFixtures.VOCAB - 3) }
            val n = ids.size
            Grad.disabled().use {
                val strided = m.decoder().forward(Inputs(Tensors.of(ids, 1, n.toLong()), null, Tensors.of(lay.positionIds(3), 1, n.toLong()), null, null),
                    AttentionMask.ofAllowed(Tensors.of(lay.mask(3), 1, n.toLong(), n.toLong())), null, null).toFloatArray()
                val h = 32
                fun near(a: FloatArray, ai: Int, b: FloatArray, bi: Int, what: String) {
                    for (k in 0 until h) if (abs(a[ai * h + k] - b[bi * h + k]) > 2e-5f) throw AssertionError("$what dim $k: ${a[ai * h + k]} vs ${b[bi * h + k]}")
                }
                val doc = m.hidden(Inputs.of(Tensors.of(ids.copyOfRange(0, 20), 1, 20))).toFloatArray()
                for (i in 0 until 20) near(strided, i, doc, i, "document token $i")
                for (b in 0 until lay.blocks()) {
                    val a = lay.anchor(b)
                    val seq = ids.copyOfRange(0, a) + LongArray(3) { t -> ids[lay.position(t, b)] }
                    val plain = m.hidden(Inputs.of(Tensors.of(seq, 1, seq.size.toLong()))).toFloatArray()
                    for (t in 0 until 3) near(strided, lay.position(t, b), plain, a + t, "block $b step $t")
                }
            }
        }
    }

    "generated tokens are scored by the tempered distribution that sampled them; greedy blocks are a causal model's argmax" {
        MethodFixtures.tinyLm(9).use { m ->
            val r = SplittableRandom(1)
            val docs = listOf(StridedDoc(IntArray(15) { 3 + r.nextInt(MethodFixtures.VOCAB - 3) }, 0), StridedDoc(IntArray(12) { 3 + r.nextInt(MethodFixtures.VOCAB - 3) }, 0))
            val v = MethodFixtures.VOCAB
            for (temp in listOf(0.7, 0.0)) {
                val s = EbftSettings().apply { stride = 3; contextLength = 2; generateMaxLen = 3; nSamplesPerPrompt = 2; temperature = temp }
                dev.lathe.engine.tensor.Runtime.seed(5)
                val b = StridedBatch.generate(m, docs, s, 0)
                val lay = b.layout()
                lay.blocks() shouldBe 4 // (15 − 3 − 2) / 3 + 1
                Grad.disabled().use {
                    val logps = StridedStep.generatedLogps(m, StridedStep.hidden(m, b), b.idsTensor(), lay, temp, null).toFloatArray()
                    val width = lay.blocks() * 3
                    for (row in 0 until b.rows()) {
                        val doc = b.ids()[row]
                        for (blk in 0 until lay.blocks()) {
                            for (t in 0 until 3) {
                                // brute force: the document before the anchor, then the block's earlier tokens, an ordinary causal forward
                                val prefix = doc.copyOfRange(0, lay.anchor(blk)) + LongArray(t) { doc[lay.position(it, blk)] }
                                val logits = m.lastLogits(Inputs.of(Tensors.of(prefix, 1, prefix.size.toLong()))).toFloatArray()
                                val token = doc[lay.position(t, blk)].toInt()
                                if (temp == 0.0) {
                                    token shouldBe logits.indices.maxBy { logits[it] }
                                } else {
                                    val z = DoubleArray(v) { logits[it] / temp }
                                    val max = z.max()
                                    val want = z[token] - max - kotlin.math.ln(z.sumOf { kotlin.math.exp(it - max) })
                                    val got = logps[row * width + lay.position(t, blk) - lay.documentLength()].toDouble()
                                    if (abs(got - want) > 1e-4) throw AssertionError("row $row block $blk step $t: logp $got, brute force $want")
                                }
                            }
                        }
                    }
                }
            }
        }
    }
})
