package dev.lathe.tests.align

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.align.KtoLogps
import dev.lathe.engine.align.Losses
import dev.lathe.engine.align.LossResult
import dev.lathe.engine.align.PairLogps
import dev.lathe.engine.align.RewardScores
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path
import kotlin.math.abs
import kotlin.math.max

/**
 * Every loss type and metric against tests/fixtures/align/losses.json, written by the committed
 * PyTorch script losses.py (Debian python3-torch, float64), to 1e-6 relative.
 */
class AlignFixtureSpec : FunSpec({
    val root: JsonNode = ObjectMapper().readTree(Files.readString(fixture("align/losses.json")))
    val inputs = root["inputs"]

    for (case in root["cases"]) {
        val name = case["name"].asText()
        test("fixture: $name") {
            Scope.open().use {
                val result = compute(case["kind"].asText(), case["params"], inputs)
                close(result.loss().item(), case["loss"].asDouble(), "$name: loss")
                val expected = case["metrics"].properties().associate { it.key to it.value.asDouble() }
                result.metrics().keys shouldBe expected.keys
                for ((k, v) in expected) close(result.metric(k), v, "$name: $k")
            }
        }
    }
})

fun fixture(rel: String): Path {
    val local = Path.of("fixtures", rel)
    if (Files.exists(local)) return local
    return Path.of(System.getenv("LATHE_REPO") ?: ".", "tests", "fixtures", rel)
}

fun close(actual: Double, expected: Double, what: String) {
    if (abs(actual - expected) > 1e-6 * max(1.0, abs(expected))) {
        throw AssertionError("$what: expected $expected, got $actual")
    }
}

private fun d(n: JsonNode): DoubleArray = DoubleArray(n.size()) { n[it].asDouble() }
private fun t(n: JsonNode): Tensor = Tensors.of(d(n))
private fun l(n: JsonNode): Tensor = Tensors.of(LongArray(n.size()) { n[it].asLong() })

private fun pairs(p: JsonNode, tokens: JsonNode): PairLogps =
    PairLogps.of(t(p["policy_chosen"]), t(p["policy_rejected"]), t(p["ref_chosen"]), t(p["ref_rejected"]))
        .withTokens(l(tokens["chosen_tokens"]), l(tokens["rejected_tokens"]))
        .withNll(Tensors.scalar(tokens["chosen_nll"].asDouble(), dev.lathe.engine.tensor.DType.F64))
        .withLogitsMeans(tokens["chosen_logits_mean"].asDouble(), tokens["rejected_logits_mean"].asDouble())

private fun dpo(params: JsonNode) = Losses.dpo()
    .lossType(params["loss_type"].map { it.asText() })
    .lossWeights(params["loss_weights"]?.map { it.asDouble() })
    .beta(params["beta"].asDouble())
    .labelSmoothing(params["label_smoothing"]?.asDouble() ?: 0.0)
    .discopopTau(params["discopop_tau"]?.asDouble() ?: 0.05)
    .referenceFree(params["reference_free"]?.asBoolean() ?: false)
    .rpoAlpha(params["rpo_alpha"]?.asDouble())
    .fDivergenceType(params["f_divergence_type"]?.asText() ?: "reverse_kl")
    .fAlphaDivergenceCoef(params["f_alpha_divergence_coef"]?.asDouble() ?: 1.0)
    .build()

private fun compute(kind: String, params: JsonNode, inputs: JsonNode): LossResult {
    val p = inputs["pairs"]
    return when (kind) {
        "dpo" -> dpo(params).compute(pairs(p, p))
        "dpo_second" -> dpo(params).let { loss ->
            loss.compute(pairs(p, p))
            loss.compute(pairs(inputs["pairs2"], p))
        }
        "orpo" -> Losses.orpo(params["beta"].asDouble()).compute(pairs(p, p))
        "cpo" -> Losses.cpo().lossType(params["loss_type"].asText()).beta(params["beta"].asDouble())
            .labelSmoothing(params["label_smoothing"]?.asDouble() ?: 0.0)
            .simpoGamma(params["simpo_gamma"]?.asDouble() ?: 0.5)
            .cpoAlpha(params["cpo_alpha"]?.asDouble() ?: 1.0)
            .alpha(params["alpha"]?.asDouble() ?: 0.0)
            .build().compute(pairs(p, p))
        "kto" -> {
            val k = inputs["kto"]
            val desirable = Tensors.of(BooleanArray(k["desirable"].size()) { k["desirable"][it].asBoolean() })
            Losses.kto().lossType(params["loss_type"].asText()).beta(params["beta"].asDouble())
                .desirableWeight(params["desirable_weight"]?.asDouble() ?: 1.0)
                .undesirableWeight(params["undesirable_weight"]?.asDouble() ?: 1.0)
                .build()
                .compute(KtoLogps.of(t(k["policy"]), t(k["ref"]), desirable, t(k["policy_kl"]), t(k["ref_kl"]))
                    .withLogitsSums(k["chosen_logits_sum"].asDouble(), k["rejected_logits_sum"].asDouble()))
        }
        "reward" -> {
            val r = inputs["reward"]
            val margin = if (params["margin"].asBoolean()) t(r["margin"]) else null
            Losses.rewardModel(params["center_rewards_coefficient"]?.asDouble())
                .compute(RewardScores(t(r["chosen"]), t(r["rejected"]), margin))
        }
        else -> error("unknown fixture kind $kind")
    }
}
