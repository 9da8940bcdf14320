package dev.lathe.scripts.host

/**
 * What every recipe script and REPL session sees without an import line. One list, one
 * package per line: a new Lathe package for scripts (e.g. the recipe DSL,
 * "dev.lathe.scripts.dsl.*") is added here by one line.
 */
object DefaultImports {
    val ALL: List<String> = listOf(
        "dev.lathe.engine.tensor.*",
        "dev.lathe.engine.tensor.Tensors.*",
        "dev.lathe.engine.nn.*",
        "dev.lathe.scripts.sugar.*",
        "dev.lathe.scripts.dsl.*",
    )

    /**
     * Definition files named from YAML (`rewards.kts`: reward functions, dataset transforms; `rollouts.kts`: rollout
     * functions) also see the reward contract and the rollout contract (RolloutFunction, its Rollout, GrpoPrompt).
     */
    val DEFINITIONS: List<String> = ALL + listOf("dev.lathe.engine.reward.*", "dev.lathe.engine.data.GrpoPrompt",
        "dev.lathe.engine.train.grpo.RolloutFunction", "dev.lathe.engine.train.grpo.RolloutFunction.Rollout")
}
