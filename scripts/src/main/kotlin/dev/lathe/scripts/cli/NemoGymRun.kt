package dev.lathe.scripts.cli

import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.data.GrpoPrompts
import dev.lathe.engine.remote.gym.NemoGymRows
import dev.lathe.engine.remote.gym.NemoGymVerifier
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.text.Tokenizer
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.config.NemoGymSettings
import java.io.PrintStream

/**
 * The start of a NeMo Gym GRPO run (plugins: [NemoGymPlugin]): discover the servers through the head, wait for the
 * resources servers, read nemo_gym_datasets (they replace `datasets:`, as Axolotl's plugin does), check every row's
 * server exists before any step runs, and build the one /verify reward in trl.reward_funcs order.
 */
object NemoGymRun {
    /** Calls in flight at once across the run's /verify requests. */
    private const val MAX_IN_FLIGHT = 64

    class Started(val prompts: List<GrpoPrompt>, val rewards: List<Reward>, val verifier: NemoGymVerifier)

    fun start(cfg: GrpoConfig, gym: NemoGymSettings, tok: Tokenizer, log: PrintStream): Started {
        if (gym.autoStart != false) log.println("nemo_gym: nemo_gym_auto_start is not false: Lathe never starts ng_run; using the servers the head reports")
        val servers = NemoGymDiscovery.discover(gym.headPort, gym.serverTimeout, gym.configPaths, log)
        NemoGymDiscovery.awaitResources(servers, gym.serverTimeout, log)
        val rows = NemoGymRows.load(gym.datasets, gym.gymDir, cfg.loop.seed)
        for (r in rows) {
            @Suppress("UNCHECKED_CAST")
            val name = (r[NemoGymRows.SERVER] as Map<String, Any?>)["name"]
            if (name !in servers.verifyUrls) {
                throw IllegalStateException("${cfg.file}: nemo_gym_datasets: a row of ${gym.datasets.map { it.path() }} is for resources server " +
                    "'$name', which the head server (port ${gym.headPort}) does not list; discovered: ${servers.verifyUrls.keys}")
            }
        }
        val encoder = GrpoPrompts(cfg.data, tok, ConfigRun.templates(tok))
        val prompts = rows.mapIndexed { i, r -> encoder.encode(r["prompt"], r, "nemo_gym_datasets row $i") }
        log.println("nemo_gym: ${prompts.size} prompts from ${gym.datasets.size} dataset(s) under ${gym.gymDir}")
        val verifier = NemoGymVerifier(servers.verifyUrls, gym.modelName, gym.verifyTimeout, MAX_IN_FLIGHT, log)
        return Started(prompts, gym.rewards(verifier.reward()), verifier)
    }
}
