// Reward functions and a dataset transform for recipes/grpo.yml and recipes/gdpo.yml.
// YAML names them as FILE.FUNCTION: `reward_funcs: [rewards.correct]`, `type: rewards.to_prompt`.
// A reward takes one Sample (completion, prompt, completionIds, row = the dataset columns, truncated)
// and returns a Double, or null when it cannot score the sample (never a silent 0).

/** datasets[].type: rewards.to_prompt — {"word": "abc"} -> a chat prompt asking to repeat it; `word` stays for the rewards. */
fun to_prompt(row: Map<String, Any?>): Map<String, Any?> = row + mapOf(
    "prompt" to listOf(
        mapOf("role" to "system", "content" to "Repeat the letters."),
        mapOf("role" to "user", "content" to "echo ${row["word"]}"),
    ),
)

/** 1 when the answer is exactly the word (surrounding whitespace ignored). */
fun correct(s: Sample): Double? {
    val word = s.row()["word"] as? String ?: return null
    return if (s.completion().trim() == word) 1.0 else 0.0
}

/** Shaping for GDPO's second objective: 1 for the word's length, falling by 0.25 per character off. */
fun length(s: Sample): Double? {
    val word = s.row()["word"] as? String ?: return null
    return maxOf(0.0, 1.0 - 0.25 * kotlin.math.abs(s.completion().trim().length - word.length))
}
