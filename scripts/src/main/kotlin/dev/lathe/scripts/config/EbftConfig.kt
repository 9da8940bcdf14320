package dev.lathe.scripts.config

import dev.lathe.engine.align.GrpoLoss
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.grpo.GrpoSettings
import java.nio.file.Path

/**
 * A bound `rl: ebft` config: the `ebft:` block, and for structured mode the `trl:` keys it shares with
 * GRPO (sampling, geometry, loss); strided mode uses only the `ebft:` block and the loop keys.
 */
data class EbftConfig(
    val file: Path,
    val baseModel: Path,
    val tokenizerDir: Path,
    val outputDir: Path,
    val ebft: EbftSettings,
    val grpo: GrpoSettings,
    val loss: GrpoLoss,
    val lora: LoraSettings?,
    val loraModelDir: Path?,
    val loop: LoopSettings,
    val data: DataConfig,
    val gradientCheckpointing: Boolean,
    val warnings: List<String>,
)
