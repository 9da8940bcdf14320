package dev.lathe.scripts.cli

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.remote.gym.NemoGymAgents
import dev.lathe.engine.remote.gym.NemoGymRollouts
import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ServedModel
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.grpo.GrpoTraining
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.config.NemoGymSettings
import java.io.PrintStream

/**
 * A multi-turn NeMo Gym GRPO run (nemo_gym_multi_turn): the trainer serves its own live policy (`lathe serve`'s
 * server over the training model, no weight copy: one process owns the model) at nemo_gym_model_server_host:port,
 * generation paused except while a round's agents run, and GRPO's rounds come from the agents' /run episodes.
 */
object NemoGymPolicyServer {
    /** /run calls in flight at once (Axolotl's connector allows 64 per host). */
    private const val MAX_IN_FLIGHT = 64

    fun run(t: GrpoTraining, cfg: GrpoConfig, gym: NemoGymSettings, started: NemoGymRun.Started, policy: CausalLM, tok: HfTokenizer,
        log: PrintStream): RunResult {
        // the server decodes on the training weights themselves: a background (async) round would race the optimizer
        check(t.rolloutFunction == null) { "nemo_gym_multi_turn with trl.rollout_func: the agents make the rollouts" }
        check(t.grpo.async == null) { "nemo_gym_multi_turn with async_prefetch: episodes must be made between optimizer steps" }
        // an episode (prompt + every turn) fits in sequence_len positions; the KV cache is 32 rows of that, so the model's
        // own maximum (32k for many) would reserve far too much
        val context = minOf(policy.spec().maxPositions(), cfg.data.sequenceLen)
        val served = ServedModel.live(policy, tok, started.template!!, started.templateVars, gym.modelName, context)
        val opts = LatheServer.Options.defaults().withAddress(gym.modelServerHost, gym.modelServerPort)
        val started0 = try {
            LatheServer.start(served, opts) // a live ServedModel: a failed start frees nothing of the trainer's
        } catch (e: RuntimeException) {
            throw IllegalStateException("${cfg.file}: nemo_gym_model_server_host/nemo_gym_model_server_port: the policy server for the agents " +
                "could not start: ${e.message}", e)
        }
        started0.use { server ->
            server.pauseGeneration() // the agents' model calls are served only while a round is out
            log.println("nemo_gym: serving the policy as '${gym.modelName}' at ${server.baseUrl()} (POST /v1/responses, /v1/chat/completions; " +
                "$context positions per episode); the agents' model server must point here")
            val s = cfg.settings
            t.rolloutFunction = NemoGymRollouts(NemoGymAgents(started.agents!!, gym.runTimeout, MAX_IN_FLIGHT), NemoGymRollouts.Window.of(server),
                s.maxCompletionLength, s.temperature, s.topP, t.padId.takeIf { t.eosIds.isEmpty() } ?: t.eosIds.first(), log)
            return t.run()
        }
    }
}
