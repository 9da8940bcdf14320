package dev.lathe.scripts.config

import dev.lathe.engine.align.AlignLoss
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.Method
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.methods.ReferenceKind
import java.nio.file.Path

/** LoRA settings (Axolotl's adapter: lora keys). targetModules empty + targetLinear = every linear layer. */
data class LoraSettings(val r: Int, val alpha: Double, val dropout: Double, val targetModules: List<String>, val targetLinear: Boolean)

/** TR-DPO: mix the policy into the reference every syncSteps updates with weight alpha. */
data class RefSyncSettings(val alpha: Double, val syncSteps: Long)

/**
 * A bound `lathe train` config: every Axolotl key already checked and turned into engine objects
 * (the loss is chosen here, once; trainers never see a loss-type string).
 */
data class TrainConfig(
    val file: Path,
    val baseModel: Path,
    val tokenizerDir: Path,
    val outputDir: Path,
    val method: Method,
    val loss: AlignLoss,
    val lora: LoraSettings?,
    val loraModelDir: Path?,
    val reference: ReferenceKind,
    val refSync: RefSyncSettings?,
    val loop: LoopSettings,
    val data: DataConfig,
    val gradientCheckpointing: Boolean,
    val paddingFree: Boolean,
    /** dpo_shared_prompt, null when not set (then PairLayout.choose decides). */
    val sharedPrompt: Boolean?,
    val warnings: List<String>,
    val dist: DistSettings = DistSettings(),
)
