package dev.lathe.scripts.dsl

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import java.nio.file.Path

/**
 * Writes a small randomly initialised Llama model folder (config.json, model.safetensors, a
 * character-level tokenizer with chatml special tokens): the "from nothing" start of recipes and tests.
 */
class TinyModel {
    var hidden = 64
    var layers = 2
    var heads = 4
    var kvHeads = 2
    var intermediate = 0 // 0: about 8/3 x hidden, rounded to a multiple of 8
    var maxPositions = 256
    var seed = 0L
    var template = "chatml"
    /** Text whose characters the tokenizer must know (printable ASCII is always included). */
    var corpus: List<String> = emptyList()

    fun write(dir: Path): Path {
        TokenizerBuilder.charLevel(corpus).chatTemplate(template).write(dir)
        val tok = HfTokenizer.load(dir)
        val pad = tok.padToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 }
        val ffn = if (intermediate > 0) intermediate else (hidden * 8 / 3 + 7) / 8 * 8
        val spec = DecoderBuilder.llama(tok.vocabSize(), hidden, ffn, layers, heads, kvHeads).maxPositions(maxPositions)
            .rmsEps(1e-5).padTokenId(pad).build()
        CausalLM(spec).use { m ->
            ModelInit.randomize(m, seed, ModelInit.INITIALIZER_RANGE)
            Models.save(m, dir)
        }
        return dir
    }
}

/** tinyModel(dir) { hidden = 64; corpus = listOf(...) } */
fun tinyModel(dir: Path, block: TinyModel.() -> Unit = {}): Path = TinyModel().apply(block).write(dir)
