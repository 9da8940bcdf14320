package dev.lathe.tests.reward

import dev.lathe.engine.reward.Sample

/** A round of [groups] prompts × [g] completions; completion text "c<i>", row {"answer": i}. */
internal fun round(groups: Int, g: Int, completion: (Int) -> String = { "c$it" }): List<Sample> =
    (0 until groups * g).map { i ->
        Sample(i, i / g, i % g, "p${i / g}", completion(i), intArrayOf(1, 2), intArrayOf(3), mapOf("answer" to i), false)
    }

internal fun sample(completion: String, row: Map<String, Any?> = emptyMap(), ids: IntArray = intArrayOf(), truncated: Boolean = false) =
    Sample(0, 0, 0, "prompt", completion, intArrayOf(1), ids, row, truncated)
