// GRPO from nothing: a tiny model learns a verifiable task through reward functions written inline.
//   1. write a tiny Llama (character tokenizer, 2 layers, random weights)
//   2. SFT warm-up: echo a word of letters, ending it with "!" or "." at random (both equally often)
//   3. GRPO with a LoRA adapter and two inline rewards: `correct` (the completion is exactly word + "!",
//      checked against the row's `word` column) and `format` (it ends with "!")
//   4. print held-out reward and accuracy (sampled at temperature 1) before and after, and the plots
// Run: ./lathe run recipes/grpo.main.kts [output folder] [length scale, default 1.0]
import dev.lathe.engine.data.Method
import java.nio.file.Path

val out = Path.of(args.getOrNull(0) ?: "recipes/out/grpo")
val scale = args.getOrNull(1)?.toDouble() ?: 1.0
val t0 = System.nanoTime()
val rng = java.util.Random(11)
val letters = "abcdefgh"
fun word() = String(CharArray(3 + rng.nextInt(3)) { letters[rng.nextInt(letters.length)] })
val words = List(1200) { word() }.distinct()
val heldOut = words.takeLast(48)                         // never seen in training
val trainWords = words.dropLast(48)

// 1. a tiny model from nothing
val base = tinyModel(out.resolve("base")) { hidden = 64; layers = 2; heads = 4; kvHeads = 2; seed = 1 }

// 2. SFT warm-up on "word>" -> "word!" or "word." (the model learns to echo, with no preference for the ending)
val echo: RowTransform = { r -> mapOf("prompt" to "${r["word"]}>", "chosen" to "${r["word"]}${r["end"]}", "rejected" to "${r["word"]}?") }
val sftData = data(base, Method.DPO, out.resolve("data")) {
    rows("sft", trainWords.map { mapOf("word" to it, "end" to if (rng.nextBoolean()) "!" else ".") }, transform = echo)
    sequenceLen = 32
}
val sftRun = sft(base, sftData) {
    output = out.resolve("sft")
    loop { microBatchSize = 16; numEpochs = 4.0 * scale; learningRate = 3e-3 }
}

// 3. GRPO: prompts keep the `word` column, which the `correct` reward reads
val trainPrompts = prompts(sftRun.output, trainWords.map { mapOf("prompt" to "$it>", "word" to it) })
val testPrompts = prompts(sftRun.output, heldOut.map { mapOf("prompt" to "$it>", "word" to it) })
val correct = dev.lathe.engine.reward.Reward.of("correct", 2.0) { s -> if (s.completion() == "${s.row()["word"]}!") 1.0 else 0.0 }
val format = dev.lathe.engine.reward.Reward.of("format", 1.0) { s -> if (s.completion().endsWith("!")) 1.0 else 0.0 }
fun stats(m: dev.lathe.engine.model.CausalLM) = rewardStats(m, sftRun.output, testPrompts, listOf(correct, format), samples = 4, maxNewTokens = 8)
val before = load(sftRun).use { stats(it) }

val grpoRun = grpo(sftRun.output, trainPrompts) {
    reward("correct", weight = 2.0) { s -> if (s.completion() == "${s.row()["word"]}!") 1.0 else 0.0 }
    reward("format") { s -> if (s.completion().endsWith("!")) 1.0 else 0.0 }
    grpo { numGenerations = 8; maxCompletionLength = 8; logCompletions = true; numCompletionsToPrint = 0 }
    beta = 0.04                     // k3 KL to the adapter-disabled reference keeps the echo skill
    lora(r = 8, alpha = 16.0)
    output = out.resolve("grpo")
    // 8 prompts x 8 completions per update (2 micro-batches of 32 completions)
    loop { microBatchSize = 32; gradientAccumulationSteps = 2; maxSteps = (40 * scale).toLong().coerceAtLeast(2); learningRate = 3e-3; loggingSteps = 5 }
}
val after = load(grpoRun).use { stats(it) }

// 4. report
fun show(m: Map<String, Double>) = "accuracy (correct) %.2f, format %.2f, reward %.2f".format(m["correct"], m["format"], m["reward"])
println()
println("held-out: ${testPrompts.size} unseen words x 4 samples at temperature 1")
println("  before GRPO: ${show(before)}")
println("  after  GRPO: ${show(after)}")
println("plots: ${grpoRun.output.resolve("plots")} (reward, completion length, loss); completions: ${grpoRun.output.resolve("completions.jsonl")}")
println("total %.0f s".format((System.nanoTime() - t0) / 1e9))
if (after["reward"]!! < before["reward"]!! + 0.25) { System.err.println("grpo recipe: held-out reward did not rise clearly"); kotlin.system.exitProcess(1) }
