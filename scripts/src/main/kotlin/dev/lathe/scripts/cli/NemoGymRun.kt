package dev.lathe.scripts.cli

import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.data.GrpoPrompts
import dev.lathe.engine.remote.gym.NemoGymRows
import dev.lathe.engine.remote.gym.NemoGymVerifier
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.remote.gym.NemoGymRollouts
import dev.lathe.engine.serve.BadRequest
import dev.lathe.engine.serve.ResponsesPrompt
import dev.lathe.engine.text.ChatTemplate
import dev.lathe.engine.text.ChatTemplates
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

    /**
     * @param verifier the single-turn /verify reward's client (null multi-turn)
     * @param agents multi-turn: agent top-level name -> http://host:port (null single-turn)
     * @param template multi-turn: the chat template the policy server renders agents' requests with (the prompts' own)
     */
    class Started(val prompts: List<GrpoPrompt>, val rewards: List<Reward>, val verifier: NemoGymVerifier?,
        val agents: Map<String, String>? = null, val template: ChatTemplate? = null, val templateVars: Map<String, Any?> = emptyMap())

    fun start(cfg: GrpoConfig, gym: NemoGymSettings, tok: Tokenizer, log: PrintStream): Started {
        if (gym.autoStart != false) log.println("nemo_gym: nemo_gym_auto_start is not false: Lathe never starts ng_run; using the servers the head reports")
        val servers = NemoGymDiscovery.discover(gym.headPort, gym.serverTimeout, gym.configPaths, log)
        NemoGymDiscovery.awaitResources(servers, gym.serverTimeout, log)
        val rows = NemoGymRows.load(gym.datasets, gym.gymDir, cfg.loop.seed)
        if (gym.multiTurn) return multiTurn(cfg, gym, tok, servers, rows, log)
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

    /**
     * Multi-turn (§B.8): every row goes to an agent: its agent_ref.name, else the dataset entry's server_name when that
     * names an agent, else the only agent (several and no name: an error before the first step, not Axolotl's silent
     * "first agent"). The prompt is what the agent's first model call will be prompted with: the row's whole
     * responses_create_params (instructions, every input message, tools) rendered by the policy server's own
     * renderer (ResponsesPrompt), so the episode's tokens line up with the dataset prompt.
     */
    private fun multiTurn(cfg: GrpoConfig, gym: NemoGymSettings, tok: Tokenizer, servers: NemoGymDiscovery.Servers,
        rows: List<Map<String, Any?>>, log: PrintStream): Started {
        if (servers.agents.isEmpty()) {
            throw IllegalStateException("${cfg.file}: nemo_gym_multi_turn: the head server (port ${gym.headPort}) lists no agent server " +
                "(responses_api_agents); start NeMo Gym with an agent config, or use single-turn /verify")
        }
        NemoGymDiscovery.await(servers.agents, "agent server", gym.serverTimeout, log)
        val d = cfg.data
        val choice = d.chatTemplate ?: if (d.chatTemplateJinja != null) "jinja" else "tokenizer_default"
        val template = ChatTemplates.select(choice, d.chatTemplateJinja, tok)
        val renderer = ResponsesPrompt(tok, template, d.chatTemplateKwargs)
        val json = com.fasterxml.jackson.databind.ObjectMapper()
        val prompts = rows.mapIndexed { i, r ->
            val origin = "nemo_gym_datasets row $i"
            val ref = r["agent_ref"] as? Map<*, *>
            val server = (r[NemoGymRows.SERVER] as? Map<*, *>)?.get("name") as? String
            val name = (ref?.get("name") as? String)?.takeIf { ref["type"] == null || ref["type"] == "responses_api_agents" }
                ?: server?.takeIf { it in servers.agents }
                ?: servers.agents.keys.singleOrNull()
                ?: throw IllegalStateException("${cfg.file}: $origin names no agent (agent_ref.name, or an agent as the dataset's server_name) " +
                    "and the head lists several: ${servers.agents.keys}")
            if (name !in servers.agents) {
                throw IllegalStateException("${cfg.file}: $origin is for agent '$name', which the head server (port ${gym.headPort}) does not list; " +
                    "discovered agents: ${servers.agents.keys}")
            }
            @Suppress("UNCHECKED_CAST")
            (r as MutableMap<String, Any?>)["agent_ref"] = mapOf("type" to "responses_api_agents", "name" to name) // NemoGymRows' rows are mutable
            val params = json.readTree(r[NemoGymRows.VERIFY_EXTRA] as String).path("responses_create_params")
            val ids = try {
                renderer.encode(params, tok.vocabSize())
            } catch (e: BadRequest) {
                throw IllegalArgumentException("${cfg.file}: $origin: responses_create_params: ${e.message}", e)
            }
            GrpoPrompt(tok.decode(ids, false), ids, r, origin)
        }
        log.println("nemo_gym: ${prompts.size} multi-turn prompts from ${gym.datasets.size} dataset(s) under ${gym.gymDir}; agents ${servers.agents.keys}")
        return Started(prompts, gym.rewards(NemoGymRollouts.envReward()), null, servers.agents, template, d.chatTemplateKwargs)
    }
}
