package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.multiple
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.choice
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.long
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.io.GenerationConfig
import dev.lathe.engine.io.ModelConfig
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import java.nio.file.Files
import java.nio.file.Path

/**
 * `lathe init-model OUT_DIR`: a random-initialised HF model folder (config.json, model.safetensors,
 * tokenizer.json, tokenizer_config.json with chat template, generation_config.json). The defaults
 * make a tiny Llama that trains in seconds.
 */
class InitModelCommand : CliktCommand(name = "init-model") {
    override fun help(context: Context) = "Write a small random-initialised Llama-family model folder with its own tokenizer"

    private val out by argument("OUT_DIR").path()
    private val arch by option("--arch").choice("llama", "mistral", "qwen2", "qwen3").default("llama")
    private val layers by option("--layers").int().default(2)
    private val hidden by option("--hidden").int().default(64)
    private val heads by option("--heads").int().default(4)
    private val kvHeads by option("--kv-heads").int().default(2)
    private val ffn by option("--ffn").int().default(176)
    private val vocab by option("--vocab", help = "target vocabulary size of the BPE tokenizer").int().default(512)
    private val tokenizer by option("--tokenizer").choice("bpe", "char").default("bpe")
    private val chatTemplate by option("--chat-template").choice("chatml", "llama3").default("chatml")
    private val corpus by option("--corpus", help = "text files the tokenizer learns from (default: a built-in sample)").path(mustExist = true).multiple()
    private val maxPositions by option("--max-positions").int().default(2048)
    private val seed by option("--seed").long().default(42)
    private val tie by option("--tie-embeddings").flag()

    override fun run() {
        require(hidden % heads == 0) { "--hidden $hidden must be a multiple of --heads $heads" }
        require(heads % kvHeads == 0) { "--heads $heads must be a multiple of --kv-heads $kvHeads" }
        Files.createDirectories(out)
        val texts = if (corpus.isEmpty()) listOf(InitCorpus.TEXT) else corpus.map { Files.readString(it) }
        val builder = if (tokenizer == "bpe") TokenizerBuilder.byteLevelBpe(texts, vocab) else TokenizerBuilder.charLevel(texts)
        val vocabSize = builder.chatTemplate(chatTemplate).modelMaxLength(maxPositions.toLong()).write(out)
        val ids = HfTokenizer.load(out).use { t ->
            fun id(tok: String?) = tok?.let { t.tokenToId(it) }?.takeIf { it >= 0 }
            Triple(id(t.bosToken()), id(t.eosToken()), id(t.padToken()))
        }
        val spec = DecoderBuilder.of(arch, vocabSize, hidden, ffn, layers, heads, kvHeads).maxPositions(maxPositions)
            .tieEmbeddings(tie).padTokenId(ids.third).build()
        CausalLM(spec).use { m ->
            ModelInit.randomize(m, seed, ModelInit.INITIALIZER_RANGE)
            Models.save(m, out)
            writeTokenIds(out, ids.first, ids.second, ids.third)
            echo("wrote $out: $arch, ${m.parameterCount()} parameters, vocabulary $vocabSize ($tokenizer, $chatTemplate template)")
        }
    }

    /** config.json and generation_config.json carry the new tokenizer's special ids. */
    private fun writeTokenIds(dir: Path, bos: Int?, eos: Int?, pad: Int?) {
        val file = dir.resolve("config.json")
        val keys = LinkedHashMap(ModelConfig.read(file).toJson())
        keys["bos_token_id"] = bos
        keys["eos_token_id"] = eos
        keys["pad_token_id"] = pad
        ModelConfig.fromMap(keys, file).write(file)
        GenerationConfig.of(bos, listOfNotNull(eos), pad).write(dir.resolve("generation_config.json"))
    }
}
