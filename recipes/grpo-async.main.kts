// Async GRPO against sync GRPO on the same task (recipes/grpo.main.kts's echo task): the same SFT
// warm-up, then four GRPO runs from it, each printing held-out reward and wall-clock per update:
//   sync  / async (prefetch_depth 1, snapshot refreshed every update, IS correction token_truncate cap 3)
//   x  an instant `correct` reward / the same reward waiting 50 ms per call (a remote verifier)
// In async mode the next round is generated and scored on a weight snapshot while the trainer trains,
// so a slow reward overlaps training; rounds are one update stale (logged as async/staleness).
// The 50 ms reward runs 16 calls at once (an I/O-bound verifier): 64 calls take ~0.2 s per round.
// Run: LATHE_THREADS=1 ./lathe run recipes/grpo-async.main.kts [output folder] [length scale, default 1.0]
// (on a shared 2-core machine a tiny model runs several times slower with 2 libtorch threads; docs/grpo.md)
import dev.lathe.engine.data.Method
import dev.lathe.engine.train.grpo.AsyncSettings
import java.nio.file.Path

val out = Path.of(args.getOrNull(0) ?: "recipes/out/grpo-async")
val scale = args.getOrNull(1)?.toDouble() ?: 1.0
val rng = java.util.Random(11)
val letters = "abcdefgh"
fun word() = String(CharArray(3 + rng.nextInt(3)) { letters[rng.nextInt(letters.length)] })
val words = List(1200) { word() }.distinct()
val heldOut = words.takeLast(48)
val trainWords = words.dropLast(48)

val base = tinyModel(out.resolve("base")) { hidden = 64; layers = 2; heads = 4; kvHeads = 2; seed = 1 }
val echo: RowTransform = { r -> mapOf("prompt" to "${r["word"]}>", "chosen" to "${r["word"]}${r["end"]}", "rejected" to "${r["word"]}?") }
val sftData = data(base, Method.DPO, out.resolve("data")) {
    rows("sft", trainWords.map { mapOf("word" to it, "end" to if (rng.nextBoolean()) "!" else ".") }, transform = echo)
    sequenceLen = 32
}
val sftRun = sft(base, sftData) {
    output = out.resolve("sft")
    loop { microBatchSize = 16; numEpochs = 4.0 * scale; learningRate = 3e-3 }
}

val trainPrompts = prompts(sftRun.output, trainWords.map { mapOf("prompt" to "$it>", "word" to it) })
val testPrompts = prompts(sftRun.output, heldOut.map { mapOf("prompt" to "$it>", "word" to it) })
val correct = dev.lathe.engine.reward.Reward.of("correct", 2.0) { s -> if (s.completion() == "${s.row()["word"]}!") 1.0 else 0.0 }
val format = dev.lathe.engine.reward.Reward.of("format", 1.0) { s -> if (s.completion().endsWith("!")) 1.0 else 0.0 }
fun stats(m: dev.lathe.engine.model.CausalLM) = rewardStats(m, sftRun.output, testPrompts, listOf(correct, format), samples = 4, maxNewTokens = 8)
val before = load(sftRun).use { stats(it) }
val steps = (40 * scale).toLong().coerceAtLeast(2)

class Outcome(val name: String, val secondsPerUpdate: Double, val heldOut: Map<String, Double>, val trainReward: Double)

fun train(name: String, async: Boolean, waitMs: Long, updates: Long = steps): Outcome {
    val t0 = System.nanoTime()
    val run = grpo(sftRun.output, trainPrompts) {
        reward("correct", weight = 2.0) { s ->
            if (waitMs > 0) Thread.sleep(waitMs)           // a remote verifier's latency
            if (s.completion() == "${s.row()["word"]}!") 1.0 else 0.0
        }
        reward("format") { s -> if (s.completion().endsWith("!")) 1.0 else 0.0 }
        grpo {
            numGenerations = 8; maxCompletionLength = 8; numCompletionsToPrint = 0
            if (async) this.async = AsyncSettings(1, 1, null)  // async_prefetch, prefetch_depth 1, vllm_sync_interval 1
        }
        beta = 0.04
        if (waitMs > 0) rewardWorkers = 16                 // a remote verifier is I/O-bound: 16 calls in flight
        lora(r = 8, alpha = 16.0)
        output = out.resolve(name)
        loop { microBatchSize = 32; gradientAccumulationSteps = 2; maxSteps = updates; learningRate = 3e-3; loggingSteps = 1; progress = false }
    }
    val seconds = (System.nanoTime() - t0) / 1e9
    val rewards = run.run.history().mapNotNull { (it["reward"] as Number?)?.toDouble() }
    val held = load(run).use { stats(it) }
    return Outcome(name, seconds / updates, held, rewards.takeLast(5).average())
}

// a short run of each mode first (not reported: JIT warm-up), then the four in A B B A order
train("warmup-sync", false, 0, 2); train("warmup-async", true, 0, 2)
val byName = listOf(train("sync", false, 0), train("async", true, 0), train("async-50ms", true, 50), train("sync-50ms", false, 50)).associateBy { it.name }
val results = listOf("sync", "async", "sync-50ms", "async-50ms").map { byName[it]!! }

fun show(m: Map<String, Double>) = "accuracy %.2f, format %.2f, reward %.2f".format(m["correct"], m["format"], m["reward"])
println()
println("held-out: ${testPrompts.size} unseen words x 4 samples at temperature 1; $steps updates of 8 prompts x 8 completions each")
println("  before GRPO:  ${show(before)}")
for (r in results) println("  %-11s %.2f s/update (wall, GRPO only), last-5-rounds train reward %.2f, held-out %s".format(r.name, r.secondsPerUpdate, r.trainReward, show(r.heldOut)))
for (pair in listOf(0 to 1, 2 to 3)) {
    val (s, a) = results[pair.first] to results[pair.second]
    println("  ${a.name} vs ${s.name}: %.2fx the wall-clock per update".format(a.secondsPerUpdate / s.secondsPerUpdate))
}
if (results.any { it.heldOut["reward"]!! < before["reward"]!! + 0.25 }) {
    System.err.println("grpo-async recipe: a run's held-out reward did not rise clearly"); kotlin.system.exitProcess(1)
}
