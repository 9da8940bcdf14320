package dev.lathe.scripts.cli

import dev.lathe.engine.reward.Reward
import dev.lathe.engine.reward.RewardRunner
import dev.lathe.engine.reward.Sample
import java.util.Locale
import kotlin.math.sqrt

/**
 * What `lathe reward` prints for one scored round: a row per function (weight, mean and unbiased std
 * over the samples it scored, scored / null / failed counts), the weighted sum as GRPO combines it
 * (TRL: NaN-aware, a sample no function scored is NaN), and the first [show] samples with each value.
 */
object RewardReport {
    fun text(rewards: List<Reward>, samples: List<Sample>, table: RewardRunner.RewardTable, show: Int): String {
        val sb = StringBuilder()
        val w = maxOf(8, rewards.maxOf { it.name().length })
        sb.append(String.format(Locale.ROOT, "%-${w}s %7s %9s %9s %7s %6s %8s%n", "function", "weight", "mean", "std", "scored", "nulls", "failures"))
        rewards.forEachIndexed { k, r ->
            val col = DoubleArray(samples.size) { table.values()[it][k] }
            val (mean, std, n) = stats(col)
            sb.append(String.format(Locale.ROOT, "%-${w}s %7.3f %9s %9s %7d %6d %8d%n", r.name(), r.weight(), num(mean), num(std), n,
                table.nulls()[k], table.failures()[k]))
        }
        val total = DoubleArray(samples.size) { i -> weighted(rewards, table.values()[i]) }
        val (mean, std, n) = stats(total)
        sb.append(String.format(Locale.ROOT, "%-${w}s %7s %9s %9s %7d%n", "reward", "(sum)", num(mean), num(std), n))
        for (s in samples.take(show)) {
            val values = rewards.indices.joinToString("  ") { k -> "${rewards[k].name()}=${num(table.values()[s.index()][k])}" }
            val finish = if (s.truncated()) "truncated" else "ended"
            sb.append("\n[${s.index()}] prompt ${s.group()} #${s.member()}, ${s.completionIds().size} tokens, $finish: $values\n")
            sb.append("    ").append(quote(s.completion(), 240)).append('\n')
        }
        return sb.toString()
    }

    /** Σ_k w_k r_k over the functions that scored the sample (TRL's nansum); NaN when none did. */
    fun weighted(rewards: List<Reward>, row: DoubleArray): Double {
        var sum = 0.0
        var any = false
        for (k in rewards.indices) if (!row[k].isNaN()) { sum += rewards[k].weight() * row[k]; any = true }
        return if (any) sum else Double.NaN
    }

    /** Mean, unbiased std (NaN for fewer than two values) and count of the non-NaN values. */
    fun stats(v: DoubleArray): Triple<Double, Double, Int> {
        val x = v.filter { !it.isNaN() }
        if (x.isEmpty()) return Triple(Double.NaN, Double.NaN, 0)
        val mean = x.average()
        val std = if (x.size < 2) Double.NaN else sqrt(x.sumOf { (it - mean) * (it - mean) } / (x.size - 1))
        return Triple(mean, std, x.size)
    }

    private fun num(d: Double) = if (d.isNaN()) "-" else String.format(Locale.ROOT, "%.4f", d)

    private fun quote(s: String, max: Int): String {
        val t = if (s.length > max) s.take(max) + "..." else s
        return "\"" + t.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"") + "\""
    }
}
