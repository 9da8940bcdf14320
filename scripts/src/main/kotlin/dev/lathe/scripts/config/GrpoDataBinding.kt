package dev.lathe.scripts.config

import dev.lathe.engine.data.DataConfig
import java.nio.file.Path

/**
 * The data half of a GRPO/GDPO config: datasets (with `type: FILE.FUNCTION` transforms), chat template
 * and the model folder whose tokenizer renders prompts. `lathe preprocess` and `lathe reward` read this;
 * the GRPO binder owns the `trl:` keys and strict key checking for `lathe train`.
 */
object GrpoDataBinding {
    class Bound(val file: Path, val top: ConfigNode, val data: DataConfig, val baseModel: Path, val tokenizerDir: Path, val loraModelDir: Path?)

    /** The bound data of [file] when its `rl` is grpo or gdpo, else null (the config is another method's). */
    fun bindOrNull(file: Path): Bound? {
        val doc = YamlDoc.read(file.toAbsolutePath().normalize())
        val top = ConfigNode(doc, "", doc.root)
        val rl = top.string("rl")?.lowercase()
        if (rl != "grpo" && rl != "gdpo") return null
        val baseDir = doc.file.parent
        val data = DataBinding.bind(top, baseDir).config
        val model = ModelBinding.bind(top, baseDir, data.method, mutableListOf())
        return Bound(doc.file, top, data, model.baseModel, model.tokenizerDir, model.loraModelDir)
    }
}
