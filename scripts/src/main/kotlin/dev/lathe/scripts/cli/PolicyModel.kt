package dev.lathe.scripts.cli

import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.train.methods.PolicyLoader
import dev.lathe.scripts.config.LoraSettings
import java.nio.file.Path

/** The trainable causal LM of a YAML run, for every method: base weights, then a saved adapter or new LoRA. */
object PolicyModel {
    /** lora_model_dir wins (its adapter is trained further); else `adapter: lora` adds fresh adapters. */
    fun load(baseModel: Path, lora: LoraSettings?, loraModelDir: Path?): CausalLM {
        val m = PolicyLoader.causalLM(baseModel)
        try {
            when {
                loraModelDir != null -> PeftAdapters.load(m, loraModelDir).also { m.adapterParameters().values.forEach { it.requiresGrad_(true) } }
                lora != null -> m.addLora(LoraSpec(lora.r, lora.alpha, lora.dropout, lora.targetModules, lora.targetLinear, false))
            }
        } catch (e: RuntimeException) {
            m.close()
            throw e
        }
        return m
    }
}
