package dev.lathe.scripts.config

import dev.lathe.engine.data.Method
import java.nio.file.Path

/**
 * Axolotl YAML -> {@link TrainConfig}, strictly: every key is either read, listed as meaningless
 * here (a warning), or an error naming the file, line, key and the nearest known key. Relative
 * paths resolve against the config file's folder (as dataset paths do in the data layer).
 */
object ConfigBinder {
    fun read(file: Path): TrainConfig = bind(YamlDoc.read(file.toAbsolutePath().normalize()))

    fun bind(doc: YamlDoc): TrainConfig {
        val top = ConfigNode(doc, "", doc.root)
        val trl = top.obj("trl")
        val warnings = mutableListOf<String>()
        refuseTruthy(top)
        val baseDir = doc.file.toAbsolutePath().parent
        val boundData = DataBinding.bind(top, baseDir)
        val data = boundData.config
        val method = data.method
        if (method.isGrpo()) throw ConfigException("${top.where("rl")}: rl: ${method.key} is trained by the GRPO trainer, not by `lathe train`'s preference trainers")
        val loss = MethodBinding.loss(top, trl, method)
        MethodBinding.inapplicable(top, method, warnings)
        val model = ModelBinding.bind(top, baseDir, method, warnings)
        val loop = LoopBinding.bind(top, method, baseDir, warnings)
        val reference = MethodBinding.reference(top, trl, loss, model.lora != null)
        val sync = MethodBinding.refSync(top, trl, reference)
        val dist = DistBinding.bind(top)
        val nodes = listOfNotNull(top, trl) + boundData.nodes
        StrictKeys.check(nodes, { n ->
            when {
                n === top -> AxolotlKeys.ignored
                n in boundData.nodes && n.path.endsWith("]") -> DataBinding.ignoredInDataset()
                else -> emptyMap()
            }
        }, warnings)
        val checkpointing = top.bool("gradient_checkpointing") ?: false
        val paddingFree = top.bool("dpo_padding_free") ?: false
        // accepted (it changes memory and speed, not results) but not implemented yet: say so
        if (paddingFree) warnings += "${top.where("dpo_padding_free")}: dpo_padding_free is not implemented yet; batches are right-padded (same results)"
        return TrainConfig(doc.file, model.baseModel, model.tokenizerDir, loop.outputDir, method, loss, model.lora,
            model.loraModelDir, reference, sync, loop, data, checkpointing, paddingFree, warnings, dist)
    }

    /** Keys Lathe refuses when switched on (off is fine): silently ignoring them would change results. */
    private fun refuseTruthy(top: ConfigNode) {
        for ((key, reason) in AxolotlKeys.refused) {
            val v = top.raw(key) ?: continue
            val on = when {
                v.isBoolean -> v.asBoolean()
                v.isNumber -> v.asDouble() != 0.0
                v.isTextual -> v.asText().lowercase() !in setOf("false", "no", "")
                else -> true
            }
            if (on) throw ConfigException("${top.where(key)}: `$key` is not supported: $reason")
        }
    }

    /** Default learning rate per method when the config gives none (TRL's defaults). */
    fun defaultLearningRate(m: Method): Double = if (m == Method.REWARD_MODEL) 1e-4 else 1e-6
}
