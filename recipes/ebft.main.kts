// EBFT from a recipe, both modes, on a tiny model from nothing (docs/ebft.md).
//   1. write a tiny Llama (character tokenizer, 2 layers, random weights)
//   2. strided mode on raw text that follows a rule (every letter is followed by the next one, cyclically):
//      blocks generated at anchors every 4 characters are matched against the real text by frozen features
//   3. structured mode: prompts "word>" with the ground truth "word!", GRPO with the feature-matching reward
//   4. print the feature distance to the ground truth (ebft/cfm_loss) at the start and the end of each run
// Run: ./lathe run recipes/ebft.main.kts [output folder]
import dev.lathe.engine.train.ebft.EmbedMethod
import java.nio.file.Path

val out = Path.of(args.getOrNull(0) ?: "recipes/out/ebft")
val rng = java.util.Random(3)
val letters = "abcdefgh"
val base = tinyModel(out.resolve("base")) { hidden = 32; layers = 2; heads = 4; kvHeads = 2; seed = 1 }
fun cfm(t: Trained) = t.run.history().mapNotNull { (it["ebft/cfm_loss"] as Number?)?.toDouble() }
fun report(name: String, t: Trained) {
    val c = cfm(t)
    println("$name: feature distance %.3f (first 5 steps) -> %.3f (last 5 steps)".format(c.take(5).average(), c.takeLast(5).average()))
}

// 2. strided: 24-character documents "cdefghabcdef..." from a random start
val texts = List(64) { val s = rng.nextInt(letters.length); String(CharArray(24) { letters[(s + it) % letters.length] }) }
val strided = ebftStrided(base, texts) {
    ebft { stride = 4; contextLength = 4; generateMaxLen = 4; nSamplesPerPrompt = 4; temperature = 1.0; embedMethod = EmbedMethod.MEAN_POOLING; ceCoef = 1.0 }
    output = out.resolve("strided")
    loop { microBatchSize = 2; maxSteps = 30; learningRate = 1e-2; progress = false }
}
report("strided", strided)

// 3. structured: the ground truth of "word>" is "word!"
val words = List(64) { String(CharArray(3 + rng.nextInt(3)) { letters[rng.nextInt(letters.length)] }) }
val structured = ebft(base, prompts(base, words.map { mapOf("prompt" to "$it>") }), words.map { "$it!" }) {
    ebft { embedMethod = EmbedMethod.MEAN_POOLING }
    grpo { numGenerations = 8; maxCompletionLength = 6; temperature = 1.0 }
    output = out.resolve("structured")
    loop { microBatchSize = 16; maxSteps = 16; learningRate = 3e-2; progress = false }
}
report("structured", structured)
