package dev.lathe.scripts.config

import dev.lathe.engine.data.Method
import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec
import java.nio.file.Path

/** The training-loop keys (batching, optimizer, schedule, eval/save/log cadence, resume, stop rules). */
object LoopBinding {
    private val ADAMW = setOf("adamw_torch", "adamw_torch_fused", "adamw_hf", "adamw")
    private val SCHEDULES = listOf("cosine", "linear", "constant", "constant_with_warmup")

    fun bind(top: ConfigNode, method: Method, baseDir: Path, warnings: MutableList<String>): LoopSettings = LoopSettings().apply {
        outputDir = baseDir.resolve(top.string("output_dir") ?: "./model-out").normalize()
        if (java.nio.file.Files.exists(outputDir) && !java.nio.file.Files.isDirectory(outputDir)) {
            throw ConfigException("${top.where("output_dir")}: key `output_dir`: expected a folder (existing or not), found a file at $outputDir")
        }
        top.int("micro_batch_size")?.let { microBatchSize = it }
        top.int("eval_batch_size")?.let { evalBatchSize = it }
        top.int("gradient_accumulation_steps")?.let { gradientAccumulationSteps = it }
        top.double("num_epochs")?.let { numEpochs = it }
        top.long("max_steps")?.let { maxSteps = it }
        learningRate = top.double("learning_rate") ?: ConfigBinder.defaultLearningRate(method)
        optimizer = optimizer(top)
        schedule = schedule(top)
        top.double("max_grad_norm")?.let { maxGradNorm = it }
        cadence(top, this)
        top.long("seed")?.let { seed = it }
        top.int("early_stopping_patience")?.let { earlyStoppingPatience = it }
        top.double("loss_watchdog_threshold")?.let { lossWatchdogThreshold = it }
        top.int("loss_watchdog_patience")?.let { lossWatchdogPatience = it }
        bf16 = bf16(top, warnings)
        top.string("resume_from_checkpoint")?.let { resumeFromCheckpoint = baseDir.resolve(it).normalize() }
        top.bool("auto_resume_from_checkpoints")?.let { autoResumeFromCheckpoints = it }
        shuffle = method != Method.KTO // TRL samples KTO rows sequentially (its KL pairs need neighbours)
        try {
            validate()
        } catch (e: IllegalArgumentException) {
            val key = e.message!!.substringBefore(':')
            throw ConfigException("${top.where(key)}: ${e.message}")
        }
    }

    private fun optimizer(top: ConfigNode): OptimizerSpec {
        val name = top.string("optimizer") ?: "adamw_torch_fused"
        val wd = top.double("weight_decay") ?: 0.0
        val b1 = top.double("adam_beta1") ?: 0.9
        val b2 = top.double("adam_beta2") ?: 0.999
        val eps = top.double("adam_epsilon") ?: 1e-8
        return when {
            name in ADAMW -> OptimizerSpec.AdamW(AdamW.Settings(b1, b2, eps, wd))
            name == "sgd" -> OptimizerSpec.Sgd(0.0, wd)
            else -> throw ConfigException("${top.where("optimizer")}: key `optimizer`: '$name' is not available in Lathe; use one of " +
                (ADAMW.sorted() + "sgd").joinToString(", "))
        }
    }

    private fun schedule(top: ConfigNode): LrSchedule {
        val steps = top.long("warmup_steps")
        val ratio = top.double("warmup_ratio")
        if (steps != null && ratio != null) throw ConfigException("${top.where("warmup_ratio")}: warmup_steps and warmup_ratio are mutually exclusive")
        val warmup = try {
            if (ratio != null) LrSchedule.Warmup.ratio(ratio) else LrSchedule.Warmup.steps(steps ?: 0)
        } catch (e: IllegalArgumentException) {
            throw ConfigException("${top.where(if (ratio != null) "warmup_ratio" else "warmup_steps")}: ${e.message}")
        }
        val minRatio = top.double("cosine_min_lr_ratio") ?: 0.0
        return when (val name = top.string("lr_scheduler") ?: "cosine") {
            "cosine" -> try { LrSchedule.Cosine(warmup, minRatio) } catch (e: IllegalArgumentException) {
                throw ConfigException("${top.where("cosine_min_lr_ratio")}: ${e.message}")
            }
            "linear" -> LrSchedule.Linear(warmup)
            "constant", "constant_with_warmup" -> LrSchedule.Constant(warmup)
            else -> throw ConfigException("${top.where("lr_scheduler")}: key `lr_scheduler`: '$name' is not available; use one of ${SCHEDULES.joinToString(", ")}")
        }
    }

    /** eval_steps / evals_per_epoch, save_steps / saves_per_epoch / save_strategy, logging_steps, save_total_limit. */
    private fun cadence(top: ConfigNode, s: LoopSettings) {
        s.evalSteps = steps(top, "eval_steps") ?: 0
        top.int("evals_per_epoch")?.let { s.evalsPerEpoch = it }
        if (top.has("eval_steps") && top.has("evals_per_epoch")) throw ConfigException("${top.where("evals_per_epoch")}: eval_steps and evals_per_epoch are mutually exclusive")
        s.saveSteps = steps(top, "save_steps") ?: 0
        s.savesPerEpoch = top.int("saves_per_epoch") ?: 1
        when (val strategy = top.string("save_strategy")) {
            null, "steps" -> {}
            "no" -> { s.saveSteps = 0; s.savesPerEpoch = 0 }
            "epoch" -> { s.saveSteps = 0; s.savesPerEpoch = 1 }
            else -> throw ConfigException("${top.where("save_strategy")}: key `save_strategy`: expected no, steps or epoch, found '$strategy'")
        }
        top.long("logging_steps")?.let { s.loggingSteps = it }
        top.int("save_total_limit")?.let { s.saveTotalLimit = it }
    }

    /** A step count; Axolotl's fractions of the run (0 < x < 1) are not supported. */
    private fun steps(top: ConfigNode, key: String): Long? {
        val v = top.raw(key) ?: return null
        if (v.isNumber && !v.isIntegralNumber && v.asDouble() < 1) {
            throw ConfigException("${top.where(key)}: key `$key`: a fraction of the run is not supported; give a number of steps")
        }
        return top.long(key)
    }

    /** bf16: true/false, or Axolotl's 'auto' (on a CPU: off) and 'full'. */
    private fun bf16(top: ConfigNode, warnings: MutableList<String>): Boolean {
        val v = top.raw("bf16") ?: return false
        return when {
            v.isBoolean -> v.asBoolean()
            v.asText() == "auto" -> { warnings += "${top.where("bf16")}: bf16: auto runs in fp32 on CPU (set bf16: true for bf16 autocast)"; false }
            v.asText() == "full" -> true
            else -> top.fail("bf16", "true, false, auto or full", v)
        }
    }
}
