package dev.lathe.scripts.config

import dev.lathe.engine.data.Method
import java.nio.file.Files
import java.nio.file.Path

/** base_model, tokenizer, model_type and the LoRA keys. base_model must be a local HF folder. */
object ModelBinding {
    class Bound(val baseModel: Path, val tokenizerDir: Path, val lora: LoraSettings?, val loraModelDir: Path?)

    fun bind(top: ConfigNode, baseDir: Path, method: Method, warnings: MutableList<String>): Bound {
        val base = top.string("base_model") ?: throw ConfigException("${top.doc.file}: key `base_model` is required (a local Hugging Face model folder)")
        val baseModel = folder(top, "base_model", baseDir.resolve(base).normalize())
        top.string("base_model_config")?.let { folder(top, "base_model_config", baseDir.resolve(it).normalize()) }
        val tokenizerDir = top.string("tokenizer_config")?.let { folder(top, "tokenizer_config", baseDir.resolve(it).normalize()) } ?: baseModel
        modelType(top, method)
        return Bound(baseModel, tokenizerDir, lora(top), top.string("lora_model_dir")?.let { folder(top, "lora_model_dir", baseDir.resolve(it).normalize()) })
    }

    private fun folder(top: ConfigNode, key: String, p: Path): Path {
        if (!Files.isDirectory(p)) {
            throw ConfigException("${top.where(key)}: key `$key`: expected a local model folder, found no folder at $p " +
                "(no model hub is reachable; `lathe init-model` writes a small model folder)")
        }
        return p
    }

    /** Reward models are sequence classifiers with one label; causal-LM methods must not ask for a classifier. */
    private fun modelType(top: ConfigNode, method: Method) {
        val type = top.string("model_type")
        val labels = top.int("num_labels")
        if (method == Method.REWARD_MODEL) {
            if (type != null && type != "AutoModelForSequenceClassification") {
                throw ConfigException("${top.where("model_type")}: reward_model: true needs model_type: AutoModelForSequenceClassification, found $type")
            }
            if (labels != null && labels != 1) throw ConfigException("${top.where("num_labels")}: a Bradley-Terry reward model has num_labels: 1, found $labels")
        } else if (type != null && type != "AutoModelForCausalLM") {
            throw ConfigException("${top.where("model_type")}: rl: ${method.key} trains a causal LM (model_type: AutoModelForCausalLM), found $type")
        }
    }

    private fun lora(top: ConfigNode): LoraSettings? {
        val adapter = top.string("adapter")
        val r = top.int("lora_r")
        val alpha = top.double("lora_alpha")
        val dropout = top.double("lora_dropout")
        val modules = top.stringList("lora_target_modules")
        val linear = top.bool("lora_target_linear")
        top.raw("lora_modules_to_save")?.let { throw ConfigException("${top.where("lora_modules_to_save")}: `lora_modules_to_save` is not supported yet") }
        when (adapter) {
            null -> return null
            "lora" -> {}
            "qlora" -> throw ConfigException("${top.where("adapter")}: adapter: qlora needs 4-bit quantisation, which Lathe does not do; use adapter: lora")
            else -> throw ConfigException("${top.where("adapter")}: key `adapter`: expected lora, found '$adapter'")
        }
        val rr = r ?: 8
        if (rr < 1) throw ConfigException("${top.where("lora_r")}: lora_r must be >= 1, found $rr")
        if (modules.isNullOrEmpty() && linear != true) {
            throw ConfigException("${top.where("adapter")}: adapter: lora needs lora_target_modules or lora_target_linear: true")
        }
        val d = dropout ?: 0.0
        if (d !in 0.0..<1.0) throw ConfigException("${top.where("lora_dropout")}: lora_dropout must be in [0, 1), found $d")
        return LoraSettings(rr, alpha ?: 16.0, d, modules ?: emptyList(), linear ?: false)
    }
}
