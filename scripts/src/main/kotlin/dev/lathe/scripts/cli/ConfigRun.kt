package dev.lathe.scripts.cli

import dev.lathe.scripts.config.TrainConfig

/** Builds model, data, reference and trainer from a bound config and runs it. */
object ConfigRun {
    fun run(cfg: TrainConfig) {
        throw UnsupportedOperationException("training from a config needs the model layer, which is not merged yet")
    }
}
