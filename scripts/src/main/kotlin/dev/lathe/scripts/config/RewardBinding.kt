package dev.lathe.scripts.config

import dev.lathe.engine.reward.Reward
import dev.lathe.scripts.host.DefinitionScripts
import java.nio.file.Files
import java.nio.file.Path

/**
 * `trl.reward_funcs` / `trl.reward_weights` -> [Reward]s, and `datasets[].type: FILE.FUNCTION` ->
 * a row transform. A name `rewards.correct` is the top-level function `correct` of `rewards.kts`
 * beside the config (`a.b.f` -> `a/b.kts`), compiled once per process by [DefinitionScripts].
 * `trl.rollout_func: rollouts.fn` is resolved the same way ([rolloutFunction]).
 * The GRPO binder calls [bind]; it owns every other `trl:` key.
 */
object RewardBinding {
    /**
     * The reward functions with their weights (one per function; default 1.0). A name in [named] stands for
     * that Reward instead of a .kts function (the NeMo Gym binder maps Axolotl's reward name to its verifier).
     */
    fun bind(configFile: Path, trl: ConfigNode, named: Map<String, Reward> = emptyMap()): List<Reward> {
        val names = trl.stringList("reward_funcs")
        if (names.isNullOrEmpty()) {
            throw ConfigException("${trl.where("reward_funcs")}: key `${trl.lineKey("reward_funcs")}`: GRPO needs at least one reward function, " +
                "e.g. [rewards.correct] naming `fun correct(s: Sample): Double?` in rewards.kts beside ${configFile.fileName}")
        }
        val weights = trl.doubleList("reward_weights")
        if (weights != null && weights.size != names.size) {
            throw ConfigException("${trl.where("reward_weights")}: key `${trl.lineKey("reward_weights")}` has ${weights.size} " +
                "weight${if (weights.size == 1) "" else "s"} but reward_funcs names ${names.size} function${if (names.size == 1) "" else "s"}; give one weight per function")
        }
        weights?.forEachIndexed { i, w -> if (!w.isFinite()) trl.fail("reward_weights[$i]", "a finite number", null) }
        val rewards = names.mapIndexed { i, ref ->
            named[ref]?.let { return@mapIndexed it.withWeight(weights?.get(i) ?: 1.0) }
            val where = "${trl.where("reward_funcs")}: ${trl.lineKey("reward_funcs")}[$i] `$ref`"
            val (file, fn) = locate(configFile, ref) ?: throw ConfigException(notFound(where, configFile, ref, "reward", "rewards.correct", "fun correct(s: Sample): Double?"))
            functions(file, where).reward(fn).withWeight(weights?.get(i) ?: 1.0)
        }
        val dup = rewards.groupBy { it.name() }.filterValues { it.size > 1 }.keys
        if (dup.isNotEmpty()) throw ConfigException("${trl.where("reward_funcs")}: reward function ${dup.joinToString { "`$it`" }} is named twice; names label the metrics (rewards/NAME/mean) and must differ")
        return rewards
    }

    /**
     * `trl.rollout_func: FILE.FUNCTION` -> the [RolloutFunction] it names in FILE.kts beside the config (the same loader,
     * locator and reflection checks as the reward functions; the file may hold rewards too: one compilation, one instance).
     */
    fun rolloutFunction(configFile: Path, trl: ConfigNode): dev.lathe.engine.train.grpo.RolloutFunction {
        val ref = trl.string("rollout_func") ?: trl.fail("rollout_func", "a name FILE.FUNCTION, e.g. rollouts.fn", trl.raw("rollout_func"))
        val where = "${trl.where("rollout_func")}: ${trl.lineKey("rollout_func")} `$ref`"
        val (file, fn) = locate(configFile, ref) ?: throw ConfigException(notFound(where, configFile, ref, "rollout", "rollouts.fn", "fun fn(prompts: List<GrpoPrompt>, ctx: RolloutFunction.Context): List<Rollout>"))
        return functions(file, where).rollout(fn)
    }

    /**
     * The transform a dataset `type: FILE.FUNCTION` names, or null when FILE.kts does not exist beside
     * the config (the type is then one of the built-in ones, or unknown).
     */
    fun transform(configFile: Path, type: String, where: String): ((Map<String, Any?>) -> Map<String, Any?>?)? {
        val (file, fn) = locate(configFile, type) ?: return null
        val f = functions(file, "$where: type `$type`").transform(fn)
        return { row ->
            try {
                f(row)
            } catch (e: Exception) {
                throw IllegalStateException("`$fn` in ${file.fileName} threw ${e.javaClass.simpleName}: ${e.message}", e)
            }
        }
    }

    /** FILE.FUNCTION -> (FILE.kts beside the config, FUNCTION) when that file exists. */
    internal fun locate(configFile: Path, ref: String): Pair<Path, String>? {
        val dot = ref.lastIndexOf('.')
        if (dot <= 0 || dot == ref.length - 1) return null
        val dir = configFile.toAbsolutePath().parent ?: return null
        val file = dir.resolve(ref.substring(0, dot).replace('.', '/') + ".kts")
        return if (Files.isRegularFile(file)) file to ref.substring(dot + 1) else null
    }

    private fun functions(file: Path, where: String): ScriptFunctions {
        val loaded = try {
            DefinitionScripts.load(file)
        } catch (e: DefinitionScripts.ScriptFailure) {
            throw ConfigException("$where: ${file.fileName} does not compile or run:\n${e.message}")
        }
        return ScriptFunctions(loaded, "$where: ${file.fileName}")
    }

    private fun notFound(where: String, configFile: Path, ref: String, kind: String, example: String, declaration: String): String {
        val dot = ref.lastIndexOf('.')
        if (dot <= 0) return "$where: name a $kind function as FILE.FUNCTION: `$example` is `$declaration` in ${example.substringBefore('.')}.kts beside ${configFile.fileName}"
        val file = ref.substring(0, dot).replace('.', '/') + ".kts"
        return "$where: no file $file beside ${configFile.fileName} (${configFile.toAbsolutePath().parent}); Lathe reads $kind functions from " +
            "Kotlin files, not Python modules" + if (kind == "reward") ", and reward models by path are not supported yet" else ""
    }
}
