// Quickstart: from nothing to a preference-tuned model in a few minutes on 2 CPU cores.
//   1. write a tiny Llama (character tokenizer, 2 layers, random weights)
//   2. SFT warm-up: teach it to echo a word of letters, ending it with "!" or "." at random
//   3. DPO with a LoRA adapter on pairs that prefer "!" over "."
//   4. print held-out preference accuracy and margins before and after, and where the plots are
// Run: ./lathe run recipes/quickstart.main.kts [output folder] [length scale, default 1.0]
// The SFT model is also written to recipes/tiny-model, the base_model of the recipes/*.yml examples.
import dev.lathe.engine.data.Method
import java.nio.file.Files
import java.nio.file.Path

val out = Path.of(args.getOrNull(0) ?: "recipes/out/quickstart")
val scale = args.getOrNull(1)?.toDouble() ?: 1.0
val t0 = System.nanoTime()
val rng = java.util.Random(7)
val letters = "abcdefgh"
fun word() = String(CharArray(3 + rng.nextInt(3)) { letters[rng.nextInt(letters.length)] })
val words = List(1200) { word() }.distinct()
val heldOut = words.takeLast(64).toSet()                     // never seen in training
val trainWords = words.filter { it !in heldOut }

// 1. a tiny model from nothing
val base = tinyModel(out.resolve("base")) { hidden = 64; layers = 2; heads = 4; kvHeads = 2; seed = 1 }

// 2. SFT warm-up. Rows are plain maps; the transform lambda turns them into prompt/chosen/rejected.
val echo: RowTransform = { r -> mapOf("prompt" to "${r["word"]}>", "chosen" to "${r["word"]}${r["end"]}", "rejected" to "${r["word"]}?") }
val sftData = data(base, Method.DPO, out.resolve("data")) {
    rows("sft", trainWords.map { mapOf("word" to it, "end" to if (rng.nextBoolean()) "!" else ".") }, transform = echo)
    testRows("sft-eval", heldOut.map { mapOf("word" to it, "end" to "!") }, transform = echo)
    sequenceLen = 32
}
val sftRun = sft(base, sftData) {
    output = out.resolve("sft")
    loop { microBatchSize = 16; numEpochs = 4.0 * scale; learningRate = 3e-3; evalsPerEpoch = 1 }
}
println("SFT: held-out NLL %.3f after the first epoch, %.3f at the end".format(
    (sftRun.run.history().first { it.containsKey("eval_loss") }["eval_loss"] as Number).toDouble(), sftRun.lastEval["eval_loss"]))

// 3. DPO on pairs that prefer "!" (the warm-up saw both endings equally often)
val pairs = data(sftRun.output, Method.DPO, out.resolve("data")) {
    rows("pairs", trainWords.take(384).map { mapOf("word" to it, "end" to "!") },
        transform = { r -> echo(r) + mapOf("rejected" to "${r["word"]}.") })
    testRows("pairs-eval", heldOut.map { mapOf("word" to it, "end" to "!") },
        transform = { r -> echo(r) + mapOf("rejected" to "${r["word"]}.") })
    sequenceLen = 32
}
val before = load(sftRun).use { preferenceStats(it, pairs.eval, pairs.padId) }
val dpoRun = dpo(sftRun.output, pairs) {
    beta = 0.1
    loss = Sigmoid
    lora(r = 8, alpha = 16.0)
    output = out.resolve("dpo")
    loop { microBatchSize = 16; numEpochs = 2.0 * scale; learningRate = 5e-3; evalsPerEpoch = 2; cosine(warmupSteps = 2) }
}
val after = load(dpoRun).use { preferenceStats(it, pairs.eval, pairs.padId) }

// 4. report
println()
println("held-out preference (log p(chosen) > log p(rejected)), ${pairs.eval.size} unseen prompts:")
println("  before DPO: $before")
println("  after  DPO: $after")
println("  DPO eval metrics: rewards/accuracies %.2f, rewards/margins %.3f".format(
    dpoRun.lastEval["eval_rewards/accuracies"], dpoRun.lastEval["eval_rewards/margins"]))
println("plots: ${dpoRun.output.resolve("plots")} (loss, rewards_margins, rewards_accuracies, learning_rate)")
println("metrics: ${dpoRun.output.resolve("metrics.jsonl")}; adapter: ${dpoRun.output}")
println("total %.0f s".format((System.nanoTime() - t0) / 1e9))

// the SFT model becomes the base_model of recipes/*.yml (./lathe train recipes/dpo.yml)
val shared = Path.of("recipes/tiny-model")
if (Files.isDirectory(Path.of("recipes"))) {
    Files.createDirectories(shared)
    Files.list(sftRun.output).use { s -> s.filter { Files.isRegularFile(it) && !it.fileName.toString().endsWith(".jsonl") }
        .forEach { Files.copy(it, shared.resolve(it.fileName), java.nio.file.StandardCopyOption.REPLACE_EXISTING) } }
}
if (after.accuracy < 0.75) { System.err.println("quickstart: held-out accuracy stayed low"); kotlin.system.exitProcess(1) }
