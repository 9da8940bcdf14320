package dev.lathe.scripts.dsl

import dev.lathe.engine.train.AdamW
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.LrSchedule
import dev.lathe.engine.train.OptimizerSpec

/** loop { cosine(warmupSteps = 2, minLrRatio = 0.1) } */
fun LoopSettings.cosine(warmupSteps: Long = 0, minLrRatio: Double = 0.0) {
    schedule = LrSchedule.Cosine(LrSchedule.Warmup.steps(warmupSteps), minLrRatio)
}

fun LoopSettings.linear(warmupSteps: Long = 0) { schedule = LrSchedule.Linear(LrSchedule.Warmup.steps(warmupSteps)) }

fun LoopSettings.constant(warmupSteps: Long = 0) { schedule = LrSchedule.Constant(LrSchedule.Warmup.steps(warmupSteps)) }

fun LoopSettings.adamw(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0.0) {
    optimizer = OptimizerSpec.AdamW(AdamW.Settings(beta1, beta2, eps, weightDecay))
}

fun LoopSettings.sgd(momentum: Double = 0.0, weightDecay: Double = 0.0) { optimizer = OptimizerSpec.Sgd(momentum, weightDecay) }
