package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.flag
import com.github.ajalt.clikt.parameters.options.multiple
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.double
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.long
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.io.GenerationConfig
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.text.ChatTemplates
import dev.lathe.engine.text.HfTokenizer
import java.nio.file.Files

/**
 * `lathe inference MODEL_DIR`: completes --prompt, or chats from stdin (one user message per
 * line, the conversation kept; an empty line or EOF ends it). Greedy unless --temperature > 0.
 */
class InferenceCommand : CliktCommand(name = "inference") {
    override fun help(context: Context) = "Generate from a model folder: a --prompt, or a chat read from stdin"

    private val modelDir by argument("MODEL_DIR").path(mustExist = true)
    private val lora by option("--lora-model-dir", help = "a PEFT adapter folder applied on top").path(mustExist = true)
    private val prompt by option("--prompt", help = "complete this text (with --chat: send it as one user message)")
    private val chat by option("--chat", help = "wrap --prompt in the chat template").flag()
    private val chatTemplate by option("--chat-template", help = "chatml, llama3 or tokenizer_default").default("tokenizer_default_fallback_chatml")
    private val maxNew by option("--max-new-tokens").int().default(128)
    private val temperature by option("--temperature").double().default(0.0)
    private val topK by option("--top-k").int().default(0)
    private val topP by option("--top-p").double().default(1.0)
    private val minP by option("--min-p").double().default(0.0)
    private val repetition by option("--repetition-penalty").double().default(1.0)
    private val samples by option("--num-samples").int().default(1)
    private val seed by option("--seed").long().default(0)
    private val stops by option("--stop", help = "stop string (repeatable)").multiple()
    private val dtype by option("--dtype").default("f32")

    override fun run() {
        val m = Models.loadCausalLM(modelDir, DType.parse(dtype))
        m.use {
            lora?.let { PeftAdapters.load(m, it) }
            HfTokenizer.load(modelDir).use { tok ->
                val sampling = sampling(tok)
                val gen = Generator(m, tok, (tok.padToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 } ?: 0).toLong())
                val p = prompt
                if (p != null) {
                    val text = if (chat) render(listOf(mapOf("role" to "user", "content" to p)), tok) else p
                    complete(gen, tok, text, sampling).forEachIndexed { i, c -> echo(if (samples > 1) "[$i] $c" else c) }
                } else {
                    chatLoop(gen, tok, sampling)
                }
            }
        }
    }

    private fun sampling(tok: HfTokenizer): Sampling {
        val eos = mutableSetOf<Int>()
        tok.eosToken()?.let { tok.tokenToId(it) }?.takeIf { it >= 0 }?.let { eos += it }
        val gc = modelDir.resolve("generation_config.json")
        if (Files.isRegularFile(gc)) eos += GenerationConfig.read(gc).eosTokenIds()
        var s = Sampling.greedy(maxNew, eos).withRepetitionPenalty(repetition).withStopStrings(stops).withSamples(samples)
        if (temperature > 0) s = s.withSampling(temperature, topK, topP, minP, seed)
        return s
    }

    private fun render(messages: List<Map<String, String>>, tok: HfTokenizer): String =
        ChatTemplates.select(chatTemplate, tok).render(messages, true, tok)

    private fun complete(gen: Generator, tok: HfTokenizer, text: String, s: Sampling): List<String> {
        // the chat template already holds BOS where the family wants it
        val ids = tok.encode(text, !chat && prompt != null && !text.startsWith(tok.bosToken() ?: "\u0000"))
        return gen.generate(listOf(ids), s).map { it.text() }
    }

    private fun chatLoop(gen: Generator, tok: HfTokenizer, s: Sampling) {
        val history = mutableListOf<Map<String, String>>()
        while (true) {
            val line = readlnOrNull()?.trim()
            if (line.isNullOrEmpty()) return
            history += mapOf("role" to "user", "content" to line)
            val ids = tok.encode(render(history, tok), false)
            val reply = gen.generate(listOf(ids), s.withSamples(1))[0].text()
            echo(reply)
            history += mapOf("role" to "assistant", "content" to reply)
        }
    }
}
