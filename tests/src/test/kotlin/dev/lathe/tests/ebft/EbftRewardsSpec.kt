package dev.lathe.tests.ebft

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.ebft.Advantages
import dev.lathe.engine.train.ebft.EbftSettings.Estimator
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.ebft.EmbedMethod
import dev.lathe.engine.train.ebft.FeatureRewards
import dev.lathe.engine.train.ebft.Pooling
import dev.lathe.engine.train.ebft.Whitening
import dev.lathe.tests.align.fixture
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import kotlin.math.abs

/**
 * EBFT's reward maths against hand-derived values (ebft-nemogym.md §A.6.3 and §A.7.8 test vectors, worked
 * by hand below) and against tests/fixtures/ebft/rewards.json (torch float64, tests/fixtures/ebft/rewards.py).
 */
class EbftRewardsSpec : StringSpec({
    fun close(actual: Double, expected: Double, what: String, tol: Double = 1e-9) {
        if (abs(actual - expected) > tol * maxOf(1.0, abs(expected))) throw AssertionError("$what: expected $expected, got $actual")
    }
    fun close(actual: DoubleArray, expected: DoubleArray, what: String, tol: Double = 1e-9) {
        actual.size shouldBe expected.size
        for (i in actual.indices) close(actual[i], expected[i], "$what[$i]", tol)
    }

    "structured rewards, n = 2 unit features: align (2, 1.2), div (1.2, 1.2), reward (0.8, 0), cfm 0.2" {
        // gen1·gt = 1, gen2·gt = 0.6 -> align 2·cos = 2, 1.2; gen1·gen2 = 0.6 -> div 2·0.6/1 each;
        // mean(gen) = (0.8, 0.4, 0) -> ‖(−0.2, 0.4, 0)‖² = 0.04 + 0.16 = 0.2
        val g = FeatureRewards.score(arrayOf(doubleArrayOf(1.0, 0.0, 0.0), doubleArrayOf(0.6, 0.8, 0.0)), doubleArrayOf(1.0, 0.0, 0.0), 1.0, 1.0, false, true)
        close(g.alignment(), doubleArrayOf(2.0, 1.2), "alignment")
        close(g.diversity(), doubleArrayOf(1.2, 1.2), "diversity")
        close(g.reward(), doubleArrayOf(0.8, 0.0), "reward")
        close(g.cfm(), 0.2, "cfm")
    }

    "normalisation makes alignment a cosine: scaling a feature vector changes nothing" {
        val a = FeatureRewards.score(arrayOf(doubleArrayOf(3.0, 0.0, 0.0), doubleArrayOf(0.3, 0.4, 0.0)), doubleArrayOf(5.0, 0.0, 0.0), 1.0, 1.0, false, true)
        close(a.reward(), doubleArrayOf(0.8, 0.0), "reward")
    }

    "strided block, n = 3: rewards, the authors' rloo, group_norm and reinforce by hand" {
        // φ = (1,0,0), (0.6,0.8,0), (0,0,1); g = (0.8,0.6,0), raw features (strided: no normalisation)
        // align = 2·(0.8, 0.48+0.48, 0) = (1.6, 1.92, 0); dots: φ1·φ2 = 0.6, others 0 -> div = 2/2·(0.6, 0.6, 0)
        // r = (1.0, 1.32, 0); mean(φ) = (0.5333, 0.2667, 0.3333) -> cfm = 0.0711 + 0.1111 + 0.1111 = 0.29333
        val g = FeatureRewards.score(arrayOf(doubleArrayOf(1.0, 0.0, 0.0), doubleArrayOf(0.6, 0.8, 0.0), doubleArrayOf(0.0, 0.0, 1.0)),
            doubleArrayOf(0.8, 0.6, 0.0), 1.0, 1.0, false, false)
        close(g.alignment(), doubleArrayOf(1.6, 1.92, 0.0), "alignment")
        close(g.diversity(), doubleArrayOf(0.6, 0.6, 0.0), "diversity")
        close(g.reward(), doubleArrayOf(1.0, 1.32, 0.0), "reward")
        close(g.cfm(), 0.29333333333333333, "cfm", 1e-9)
        // rloo: alignment baselines (0.96, 0.8, 1.76); diversity baselines (ΣD − 2D_j)/(n−2) = (0, 0, 1.2)
        // -> A = r − (0.96, 0.8, 1.76 − 1.2) = (0.04, 0.52, −0.56)
        close(Advantages.of(Estimator.RLOO, g, 1.0, 1.0), doubleArrayOf(0.04, 0.52, -0.56), "rloo")
        // group_norm: mean 0.773333, deviations (0.226667, 0.546667, −0.773333), unbiased std sqrt(0.948267/2) = 0.688573
        close(Advantages.of(Estimator.GROUP_NORM, g, 1.0, 1.0), doubleArrayOf(0.329183, 0.793912, -1.123095), "group_norm", 2e-6)
        close(Advantages.of(Estimator.REINFORCE, g, 1.0, 1.0), doubleArrayOf(1.0, 1.32, 0.0), "reinforce")
    }

    "one sample has no diversity, and rloo / group_norm refuse a group of one" {
        val g = FeatureRewards.score(arrayOf(doubleArrayOf(1.0, 0.0)), doubleArrayOf(1.0, 0.0), 1.0, 1.0, true, false)
        g.diversity()[0] shouldBe 0.0
        shouldThrow<IllegalArgumentException> { Advantages.of(Estimator.RLOO, g, 1.0, 1.0) }.message shouldContain "n_samples_per_prompt"
        EbftSettings().apply { nSamplesPerPrompt = 1 }.effectiveEstimator() shouldBe Estimator.REINFORCE
    }

    "whitening, rewards and advantages match torch (tests/fixtures/ebft/rewards.json)" {
        val root: JsonNode = ObjectMapper().readTree(Files.readString(fixture("ebft/rewards.json")))
        fun arr(n: JsonNode) = DoubleArray(n.size()) { n[it].asDouble() }
        fun mat(n: JsonNode) = Array(n.size()) { arr(n[it]) }
        root["cases"].size() shouldBe 4
        for (c in root["cases"]) {
            val name = c["name"].asText()
            val gen = mat(c["gen"]); val gt = arr(c["gt"])
            val alpha = c["alpha"].asDouble(); val beta = c["beta"].asDouble()
            if (c["whiten"].asBoolean()) {
                val w = Whitening.whiten(gen, gt)
                for (i in gen.indices) close(w.gen()[i], arr(c["whitened_gen"][i]), "$name whitened gen $i", 1e-7)
                close(w.gts()[0], arr(c["whitened_gt"]), "$name whitened gt", 1e-7)
            }
            val g = FeatureRewards.score(gen, gt, alpha, beta, c["whiten"].asBoolean(), c["normalise"].asBoolean())
            close(g.alignment(), arr(c["alignment"]), "$name alignment", 1e-7)
            close(g.diversity(), arr(c["diversity"]), "$name diversity", 1e-7)
            close(g.reward(), arr(c["reward"]), "$name reward", 1e-7)
            close(g.cfm(), c["cfm"].asDouble(), "$name cfm", 1e-7)
            close(Advantages.of(Estimator.RLOO, g, alpha, beta), arr(c["rloo"]), "$name rloo", 1e-7)
            close(Advantages.of(Estimator.GROUP_NORM, g, alpha, beta), arr(c["group_norm"]), "$name group_norm", 1e-6)
        }
    }

    "whitening a full-rank group makes its rows orthonormal, so the diversity term vanishes" {
        val root = ObjectMapper().readTree(Files.readString(fixture("ebft/rewards.json")))
        val c = root["cases"][0]
        val gen = Array(c["gen"].size()) { i -> DoubleArray(c["gen"][i].size()) { c["gen"][i][it].asDouble() } }
        val w = Whitening.whiten(gen, DoubleArray(gen[0].size)).gen()
        for (i in w.indices) for (j in w.indices) {
            val dot = w[i].indices.sumOf { w[i][it] * w[j][it] }
            close(dot, if (i == j) 1.0 else 0.0, "row $i · row $j", 1e-8)
        }
        FeatureRewards.score(gen, DoubleArray(gen[0].size) { 1.0 }, 1.0, 1.0, true, true).diversity().forEach { (abs(it) < 1e-8) shouldBe true }
    }

    "pooling by the mask matches torch for every embed_method, left padding included" {
        val p = ObjectMapper().readTree(Files.readString(fixture("ebft/rewards.json")))["pooling"]
        val f = p["features"]
        val flat = FloatArray(2 * 6 * 3) { k -> f[k / 18][(k / 3) % 6][k % 3].floatValue() }
        val mask = Array(2) { i -> IntArray(6) { p["mask"][i][it].asInt() } }
        val prompts = IntArray(2) { p["prompt_lengths"][it].asInt() }
        for (m in EmbedMethod.entries) {
            val out = Pooling.pool(Tensors.of(flat, 2, 6, 3), Pooling.weights(m, mask, prompts)).toFloatArray()
            val want = p["pooled"][m.yaml()]
            val width = want[0].size()
            for (i in 0 until 2) for (k in 0 until width) close(out[i * width + k].toDouble(), want[i][k].asDouble(), "${m.yaml()} row $i dim $k", 1e-6)
        }
    }
})
