// A rollout function and its reward for recipes/grpo-rollout.yml (`trl.rollout_func: rollouts.checked`).
// The rollout is two turns with an environment in between: the model answers, a checker replies
// "right" or "wrong, again", and the model answers once more. The checker's tokens are context for the
// second turn and visible to the rewards, but they carry env mask 0: the model is never trained on them.
// TRL's contract, one Rollout per input row (prompts arrive each repeated G times):
//   Rollout(promptIds (null = the dataset prompt's), completionIds, sampler logprobs, envMask, extra, text).

/** Two turns per row; `first` and `second` (the answers' texts) are extra fields the reward reads. */
fun checked(prompts: List<GrpoPrompt>, ctx: RolloutFunction.Context): List<Rollout> {
    val one = ctx.sampling().withSamples(1) // each prompt is already repeated G times
    val eos = ctx.sampling().eosIds()
    val tok = ctx.tokenizer()
    val first = ctx.generate(prompts.map { it.ids() }, one)
    // the first answer without its end-of-sequence token: the conversation goes on
    val turn1 = first.map { c -> c.tokens().size.let { n -> if (n > 1 && c.tokens()[n - 1] in eos) n - 1 else n } }
    val firstText = first.mapIndexed { i, c -> tok.decode(c.tokens().copyOf(turn1[i]), true).trim() }
    val replies = prompts.mapIndexed { i, p -> tok.encode(if (firstText[i] == p.row()["word"]) "\nright.\n" else "\nwrong, again:\n", false) }
    val second = ctx.generate(prompts.mapIndexed { i, p -> p.ids() + first[i].tokens().copyOf(turn1[i]) + replies[i] }, one)
    return prompts.indices.map { i ->
        val a = first[i].tokens().copyOf(turn1[i])
        val b = second[i].tokens()
        Rollout(null, a + replies[i] + b,
            first[i].logprobs().copyOf(turn1[i]) + FloatArray(replies[i].size) + second[i].logprobs(), // env tokens: no sampler log-prob
            IntArray(a.size) { 1 } + IntArray(replies[i].size) + IntArray(b.size) { 1 },               // 1 = generated, 0 = the checker's
            mapOf("first" to firstText[i], "second" to tok.decode(b, true).trim()), null)
    }
}

/** 1 when the first answer is the word, 0.5 when only the second one is, else 0. */
fun solved(s: Sample): Double? {
    val word = s.row()["word"] as? String ?: return null
    return when (word) {
        s.row()["first"] -> 1.0
        s.row()["second"] -> 0.5
        else -> 0.0
    }
}
