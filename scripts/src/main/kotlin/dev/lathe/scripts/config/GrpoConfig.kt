package dev.lathe.scripts.config

import dev.lathe.engine.align.GrpoLoss
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.Method
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.methods.ReferenceKind
import java.nio.file.Path

/**
 * A bound `rl: grpo | gdpo` config: the GRPO assembler's own settings, the loss, and the reward functions
 * (bound lazily: compiling rewards.kts is only worth doing when the run starts).
 */
data class GrpoConfig(
    val file: Path,
    val baseModel: Path,
    val tokenizerDir: Path,
    val outputDir: Path,
    val method: Method,
    val loss: GrpoLoss,
    val settings: GrpoSettings,
    val rewards: () -> List<Reward>,
    val lora: LoraSettings?,
    val loraModelDir: Path?,
    val reference: ReferenceKind,
    val refSync: RefSyncSettings?,
    val loop: LoopSettings,
    val data: DataConfig,
    val gradientCheckpointing: Boolean,
    val warnings: List<String>,
    /** plugins: [NemoGymPlugin]: prompts and rewards come from NeMo Gym (cli/NemoGymRun); null otherwise. */
    val nemoGym: NemoGymSettings? = null,
    /** trl.use_vllm: generate through this server (VllmBinding); null = in process. */
    val vllm: VllmBinding.Settings? = null,
    /** reward_num_workers / reward_timeout (RolloutFeaturesBinding). */
    val rewardCalls: RolloutFeaturesBinding.Bound = RolloutFeaturesBinding.Bound(null, null),
    /** trl.rollout_func: compiles rollouts.kts and resolves the function when called (at run start); null = plain sampling. */
    val rolloutFunction: (() -> dev.lathe.engine.train.grpo.RolloutFunction)? = null,
)
