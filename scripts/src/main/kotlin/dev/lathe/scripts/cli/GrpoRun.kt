package dev.lathe.scripts.cli

import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.io.GenerationConfig
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.reward.CheckedRewardRunner
import dev.lathe.engine.reward.RewardIsolation
import dev.lathe.engine.reward.RewardOptions
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.Tokenizer
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.grpo.GrpoTraining
import dev.lathe.engine.train.methods.PolicyLoader
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.config.YamlRewardWorker
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.StandardCopyOption

/**
 * A bound rl: grpo | gdpo config -> a finished run: tokenizer, prompts (chat template + generation
 * prompt for message lists), the policy (with LoRA), the reward functions behind the checked runner,
 * and the GRPO assembler. output_dir receives the model or adapter, metrics, completions and plots.
 */
object GrpoRun {
    fun run(cfg: GrpoConfig, log: PrintStream = System.err): RunResult {
        val tok = HfTokenizer.load(cfg.tokenizerDir)
        val gym = cfg.nemoGym?.let { NemoGymRun.start(cfg, it, tok, log) } // NeMo Gym's datasets replace `datasets:`
        val data = if (gym != null) null else Preprocessor.run(cfg.data, tok, ConfigRun.templates(tok), DataWarnings { log.println("data warning: $it") })
        data?.let { log.println(it.report().toText()) }
        val prompts = gym?.prompts ?: data!!.promptsTrain()
        val rewards = gym?.rewards ?: cfg.rewards()
        val rollout = cfg.rolloutFunction?.invoke() // rollouts.kts compiled and checked before the model is loaded
        Files.createDirectories(cfg.outputDir)
        Files.copy(cfg.file, cfg.outputDir.resolve("config.yml"), StandardCopyOption.REPLACE_EXISTING)
        Runtime.seed(cfg.loop.seed)
        policy(cfg).use { m ->
            m.setGradientCheckpointing(cfg.gradientCheckpointing)
            CheckedRewardRunner(rewards, rewardOptions(cfg).withLog { log.println(it) }).use { runner ->
                return GrpoTraining().apply {
                    model = m
                    loss = cfg.loss
                    grpo = cfg.settings
                    reference = cfg.reference
                    referenceCopy = { PolicyLoader.causalLM(cfg.baseModel) }
                    this.prompts = prompts
                    evalPrompts = data?.promptsEval() ?: emptyList()
                    this.rewards = runner
                    tokenizer = tok
                    eosIds = eosIds(cfg, tok)
                    padId = padId(tok)
                    loop = cfg.loop
                    syncAlpha = cfg.refSync?.alpha
                    cfg.refSync?.let { syncSteps = it.syncSteps }
                    baseModelDir = cfg.baseModel
                    cfg.vllm?.let { rollouts = VllmRollouts.connect(it, cfg, m, tok, log) }
                    rolloutFunction = rollout
                    this.log = log
                }.let { t -> if (gym?.agents != null) NemoGymPolicyServer.run(t, cfg, cfg.nemoGym!!, gym, m, tok, log) else t.run() }
            }
        }
    }

    /** trl.reward_num_workers / reward_timeout over the runner's defaults. */
    fun rewardOptions(cfg: GrpoConfig): RewardOptions {
        var o = RewardOptions.defaults()
        cfg.rewardCalls.rewardWorkers?.let { o = o.withWorkers(it) }
        cfg.rewardCalls.rewardTimeout?.let { o = o.withTimeout(it) }
        // worker processes rebuild the rewards from this config's rewards.kts (the same loader as here)
        if (cfg.rewardCalls.processes) o = o.withIsolation(RewardIsolation(YamlRewardWorker::class.java.name, cfg.file.toAbsolutePath().toString()))
        return o
    }

    private fun policy(cfg: GrpoConfig): CausalLM = PolicyModel.load(cfg.baseModel, cfg.lora, cfg.loraModelDir)

    /** The tokenizer's EOS and generation_config.json's eos_token_id(s). */
    fun eosIds(cfg: GrpoConfig, tok: Tokenizer): Set<Int> = eosIds(cfg.baseModel, tok)

    fun eosIds(baseModel: java.nio.file.Path, tok: Tokenizer): Set<Int> {
        val eos = mutableSetOf<Int>()
        tok.eosToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 }?.let { eos += it }
        val gc = baseModel.resolve("generation_config.json")
        if (Files.isRegularFile(gc)) eos += GenerationConfig.read(gc).eosTokenIds()
        return eos
    }

    fun padId(tok: Tokenizer): Int =
        listOfNotNull(tok.padToken(), tok.eosToken()).map { tok.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0
}
