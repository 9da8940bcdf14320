package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.options.required
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.tensor.DType
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/** `lathe merge-lora BASE --lora-model-dir ADAPTER [--output-dir OUT]`: an HF folder with W + (alpha/r) B A. */
class MergeLoraCommand : CliktCommand(name = "merge-lora") {
    override fun help(context: Context) =
        "Fold a PEFT LoRA adapter into its base model and write a plain Hugging Face model folder"

    private val base by argument("BASE_MODEL", help = "the base model folder (config.json + safetensors)").path(mustExist = true)
    private val lora by option("--lora-model-dir", help = "the adapter folder (adapter_config.json + adapter_model.safetensors)")
        .path(mustExist = true).required()
    private val out by option("--output-dir", help = "where to write (default: LORA_MODEL_DIR/merged)").path()
    private val dtype by option("--dtype", help = "dtype of the written weights (default: the base config's torch_dtype or f32)")

    override fun run() {
        val target = out ?: lora.resolve("merged")
        val dt = dtype?.let { DType.parse(it) } ?: DType.F32
        Models.load(base, dt).use { m ->
            PeftAdapters.load(m, lora)
            val n = m.loraLayers().size
            m.mergeLora()
            Models.save(m, target)
            copyTokenizerFiles(base, target)
            echo("merged $n LoRA layers of $lora into $base -> $target")
        }
    }

    companion object {
        /** Tokenizer and generation files travel with the weights so the folder is usable on its own. */
        val SIDE_FILES = listOf("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json")

        fun copyTokenizerFiles(from: Path, to: Path) {
            for (f in SIDE_FILES) {
                val src = from.resolve(f)
                if (Files.isRegularFile(src)) Files.copy(src, to.resolve(f), StandardCopyOption.REPLACE_EXISTING)
            }
        }
    }
}
