package dev.lathe.scripts.config

import dev.lathe.engine.remote.gym.NemoGymRows
import dev.lathe.engine.reward.Reward
import java.nio.file.Path
import java.time.Duration

/**
 * NeMo Gym's YAML (Axolotl's NemoGymPlugin, ebft-nemogym.md §B.5): `plugins: [axolotl.integrations.nemo_gym.NemoGymPlugin]`
 * and the `nemo_gym_*` keys -> [NemoGymSettings]. Binding does no network I/O: discovery through the head server
 * happens when the run starts (cli/NemoGymRun), so `lathe preprocess` and config checks work without servers.
 *
 * Strict: a `nemo_gym_*` key Lathe does not know is an error naming it (with the nearest known one), and so are
 * `nemo_gym_*` keys without the plugin. Where Axolotl's behaviour is a defect (the reference's §B.9), Lathe differs
 * and says so in docs/nemo-gym.md: the reward is added once, the verify timeout applies to every /verify call,
 * `~/` dataset paths work, sampling is seeded. Multi-turn (`nemo_gym_multi_turn: true`) adds the keys placing the
 * trainer's own policy server (`nemo_gym_model_server_host`/`_port`, Lathe's), which the agents' model calls reach.
 */
object NemoGymBinding {
    const val PLUGIN = "axolotl.integrations.nemo_gym.NemoGymPlugin"
    /** Axolotl's reward function names: in trl.reward_funcs they stand for Lathe's NeMo Gym reward (listed once, it is added once). */
    val VERIFY_REWARD = "axolotl.integrations.nemo_gym.rewards.reward_nemo_gym_verify"
    val ENV_REWARD = "axolotl.integrations.nemo_gym.rewards.reward_env"

    private val KEYS = listOf("nemo_gym_enabled", "nemo_gym_dir", "nemo_gym_auto_clone", "nemo_gym_config_paths", "nemo_gym_head_port",
        "nemo_gym_server_timeout", "nemo_gym_verify_timeout", "nemo_gym_run_timeout", "nemo_gym_datasets", "nemo_gym_auto_start",
        "nemo_gym_model_name", "nemo_gym_multi_turn", "nemo_gym_max_turns", "nemo_gym_model_server_host", "nemo_gym_model_server_port")
    private val ENTRY_KEYS = listOf("path", "server_name", "max_samples")

    /** Null when the plugin is not listed or nemo_gym_enabled is false. */
    fun bind(top: ConfigNode, trl: ConfigNode?, warnings: MutableList<String>): NemoGymSettings? {
        val present = top.node.properties().map { it.key }.filter { it.startsWith("nemo_gym") }
        present.firstOrNull { it !in KEYS }?.let { k ->
            val near = StrictKeys.nearest(k, KEYS)
            throw ConfigException("${top.where(k)}: unknown NeMo Gym key `$k`" + (near?.let { " (did you mean `$it`?)" } ?: "") +
                "; known: ${KEYS.joinToString()}")
        }
        val plugins = top.stringList("plugins") ?: emptyList()
        plugins.filter { it != PLUGIN }.forEach { warnings += "${top.where("plugins")}: plugin `$it` is ignored: Lathe loads no Python plugins" }
        if (PLUGIN !in plugins) {
            if (present.isNotEmpty()) {
                throw ConfigException("${top.where(present.first())}: `${present.first()}` needs the NeMo Gym plugin: add `plugins: [$PLUGIN]` " +
                    "(found ${if (plugins.isEmpty()) "no plugins" else "plugins $plugins"})")
            }
            return null
        }
        KEYS.forEach { top.raw(it) } // every NeMo Gym key is known from here on, read or not
        if (top.bool("nemo_gym_enabled") == false) {
            if (present.size > 1) warnings += "${top.where("nemo_gym_enabled")}: nemo_gym_enabled: false; the other nemo_gym_* keys are ignored"
            return null
        }
        val datasets = top.objList("nemo_gym_datasets")
            ?: throw ConfigException("${top.where("plugins")}: the NeMo Gym plugin needs `nemo_gym_datasets` (a list of {path, server_name, max_samples}); found none")
        if (datasets.isEmpty()) top.fail("nemo_gym_datasets", "at least one dataset entry", top.raw("nemo_gym_datasets"))
        val entries = datasets.map { entry(it) }
        if (top.node.has("datasets")) {
            warnings += "${top.where("datasets")}: datasets: is not used for training: nemo_gym_datasets replace it (as Axolotl's plugin does)"
        }
        val autoStart = top.bool("nemo_gym_auto_start")
        if (top.bool("nemo_gym_auto_clone") == true) {
            warnings += "${top.where("nemo_gym_auto_clone")}: nemo_gym_auto_clone is ignored: Lathe clones nothing; nemo_gym_dir must exist when dataset paths are relative"
        }
        if (top.has("nemo_gym_max_turns")) {
            warnings += "${top.where("nemo_gym_max_turns")}: nemo_gym_max_turns has no effect (in Axolotl neither): the agent's own max_steps limits turns"
        }
        val multiTurn = top.bool("nemo_gym_multi_turn") ?: false
        if (!multiTurn) {
            listOf("nemo_gym_model_server_host", "nemo_gym_model_server_port").firstOrNull { top.has(it) }?.let {
                throw ConfigException("${top.where(it)}: `$it` places the policy server of multi-turn rollouts; it needs nemo_gym_multi_turn: true")
            }
        }
        if (multiTurn && trl?.bool("use_vllm") == true) {
            throw ConfigException("${trl.where("use_vllm")}: nemo_gym_multi_turn serves the policy from the trainer itself (the agents' model calls " +
                "reach it at nemo_gym_model_server_host:nemo_gym_model_server_port); an external vLLM server is not used: remove trl.use_vllm")
        }
        if (multiTurn && trl?.has("rollout_func") == true) {
            throw ConfigException("${trl.where("rollout_func")}: with nemo_gym_multi_turn the NeMo Gym agents make the rollouts (one /run per sample); " +
                "a rollout_func would replace them: remove one of the two")
        }
        if (multiTurn && trl?.bool("async_prefetch") == true) {
            throw ConfigException("${trl.where("async_prefetch")}: nemo_gym_multi_turn serves the live policy to the agents, so episodes are made " +
                "between optimizer steps, never beside them (a background round would sample from weights being updated); remove async_prefetch")
        }
        val serverPort = top.int("nemo_gym_model_server_port") ?: 0
        if (serverPort !in 0..65535) top.fail("nemo_gym_model_server_port", "a TCP port in 0..65535 (0 = any free port)", top.raw("nemo_gym_model_server_port"))
        val port = top.int("nemo_gym_head_port") ?: 11000
        if (port !in 1..65535) top.fail("nemo_gym_head_port", "a TCP port in 1..65535", top.raw("nemo_gym_head_port"))
        val dir = top.string("nemo_gym_dir") ?: "~/Gym"
        val names = trl?.stringList("reward_funcs") ?: emptyList()
        if (!multiTurn && ENV_REWARD in names) {
            throw ConfigException("${trl!!.where("reward_funcs")}: `$ENV_REWARD` is the multi-turn (agent /run) reward, which needs nemo_gym_multi_turn; " +
                "single-turn uses `$VERIFY_REWARD` (or nothing: the NeMo Gym reward is added anyway)")
        }
        if (multiTurn && VERIFY_REWARD in names) {
            throw ConfigException("${trl!!.where("reward_funcs")}: `$VERIFY_REWARD` scores single completions by /verify; with nemo_gym_multi_turn the agent " +
                "verifies each episode and its reward comes back from /run: use `$ENV_REWARD` (or nothing: it is added anyway)")
        }
        val rewardKey = if (multiTurn) ENV_REWARD else VERIFY_REWARD
        return NemoGymSettings(
            gymDir = NemoGymRows.resolve(dir, top.doc.file.toAbsolutePath().parent), // "~" expanded; relative to the config
            datasets = entries,
            headPort = port,
            autoStart = autoStart,
            configPaths = top.stringList("nemo_gym_config_paths") ?: emptyList(),
            serverTimeout = seconds(top, "nemo_gym_server_timeout", 360.0),
            verifyTimeout = seconds(top, "nemo_gym_verify_timeout", 30.0),
            runTimeout = seconds(top, "nemo_gym_run_timeout", 300.0),
            modelName = top.string("nemo_gym_model_name") ?: top.string("base_model") ?: "axolotl-model",
            rewards = { reward -> rewards(top.doc.file, trl, names, reward, rewardKey) },
            multiTurn = multiTurn,
            modelServerHost = top.string("nemo_gym_model_server_host") ?: "127.0.0.1",
            modelServerPort = serverPort,
        )
    }

    /** The NeMo Gym reward where reward_funcs names it (Axolotl's name [key], with its weight), else appended once with weight 1. */
    private fun rewards(file: Path, trl: ConfigNode?, names: List<String>, reward: Reward, key: String): List<Reward> {
        if (names.isEmpty() || trl == null) return listOf(reward)
        val bound = RewardBinding.bind(file, trl, mapOf(key to reward))
        return if (key in names) bound else bound + reward
    }

    private fun entry(n: ConfigNode): NemoGymRows.Entry {
        val path = n.string("path") ?: throw ConfigException("${n.doc.where(n.path)}: `${n.path}` needs a `path` (a NeMo Gym JSONL file)")
        val server = n.string("server_name")
        val max = n.int("max_samples")
        if (max != null && max < 1) n.fail("max_samples", "a positive whole number", n.raw("max_samples"))
        n.unknownKeys().firstOrNull()?.let { k ->
            throw ConfigException("${n.where(k)}: unknown key `${n.lineKey(k)}` in a nemo_gym_datasets entry; expected ${ENTRY_KEYS.joinToString()}")
        }
        return NemoGymRows.Entry(path, server, max)
    }

    private fun seconds(top: ConfigNode, key: String, default: Double): Duration {
        val s = top.double(key) ?: default
        if (s <= 0) top.fail(key, "a positive number of seconds", top.raw(key))
        return Duration.ofMillis((s * 1000).toLong())
    }
}

/**
 * A bound NeMo Gym setup. [rewards] turns the run's verifier (built after discovery) into the reward list
 * in trl.reward_funcs order.
 */
class NemoGymSettings(
    val gymDir: Path,
    val datasets: List<NemoGymRows.Entry>,
    val headPort: Int,
    /** null = not set (Axolotl's default, true); Lathe never starts ng_run, see NemoGymRun. */
    val autoStart: Boolean?,
    val configPaths: List<String>,
    val serverTimeout: Duration,
    val verifyTimeout: Duration,
    val runTimeout: Duration,
    val modelName: String,
    /** The run's NeMo Gym reward (/verify single-turn, the /run episode's reward multi-turn) -> the reward list. */
    val rewards: (Reward) -> List<Reward>,
    /** nemo_gym_multi_turn: episodes through agents' /run, whose model calls reach the trainer's policy server. */
    val multiTurn: Boolean = false,
    val modelServerHost: String = "127.0.0.1",
    /** 0 = any free port (logged). */
    val modelServerPort: Int = 0,
)
