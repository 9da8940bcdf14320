package dev.lathe.tests.data

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer
import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.data.ChatRenderer
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetPipeline
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.text.Tokenizer
import java.nio.file.Files
import java.nio.file.Path

/** Shared helpers for the data specs: temp files, test renderers, a real HF tokenizer built from JSON. */
object DataTestSupport {
    val mapper = ObjectMapper()

    fun tempDir(): Path = Files.createTempDirectory("lathe-data-")

    /** Writes rows (JSON strings) as JSONL and returns the file. */
    fun jsonl(dir: Path, name: String, vararg rows: String): Path {
        val f = dir.resolve(name)
        Files.writeString(f, rows.joinToString("\n", postfix = "\n"))
        return f
    }

    /**
     * The two bundled templates the reference spells out (§4.9), written from its description:
     * chatml: "<|im_start|>" + role + "\n" + content + "<|im_end|>\n" per message, then the generation prompt;
     * llama3: BOS, then header + trim(content) + "<|eot_id|>" per message.
     */
    val chatml = ChatRenderer { msgs, gen ->
        buildString {
            for (m in msgs) append("<|im_start|>").append(m["role"]).append("\n").append(m["content"]).append("<|im_end|>\n")
            if (gen) append("<|im_start|>assistant\n")
        }
    }

    val llama3 = ChatRenderer { msgs, gen ->
        buildString {
            append("<|begin_of_text|>")
            for (m in msgs) {
                append("<|start_header_id|>").append(m["role"]).append("<|end_header_id|>\n\n")
                append((m["content"] as String).trim()).append("<|eot_id|>")
            }
            if (gen) append("<|start_header_id|>assistant<|end_header_id|>\n\n")
        }
    }

    val templates = ChatRenderer.Source { name, _, _ ->
        when (name) {
            "chatml" -> chatml
            "llama3" -> llama3
            else -> null
        }
    }

    /** Runs one dataset through the pipeline without shuffling or the length step; returns rows + warnings. */
    fun run(
        rl: String?,
        spec: (DatasetSpec.Builder) -> DatasetSpec.Builder,
        vararg rows: String,
        chatTemplate: String? = null,
        rewardModel: Boolean = false,
        renderers: ChatRenderer.Source = templates,
    ): Pair<List<PreparedRow>, DataWarnings> {
        val dir = tempDir()
        val f = jsonl(dir, "data.jsonl", *rows)
        val cfg = DataConfig.builder().rl(rl).rewardModel(rewardModel).baseDir(dir)
            .datasets(listOf(spec(DatasetSpec.builder(f.fileName.toString())).build()))
            .shuffleMergedDatasets(false).skipPrepareDataset(true).chatTemplate(chatTemplate).build()
        val w = DataWarnings()
        val p = DatasetPipeline.prepare(cfg, null, renderers, w)
        return p.train() to w
    }

    fun strings(r: PreparedRow): List<String?> =
        if (r.text().completion() != null) listOf(r.text().prompt(), r.text().completion())
        else listOf(r.text().prompt(), r.text().chosen(), r.text().rejected())

    // chatml / llama3 fixed fragments, spelled out by hand from §3 of the reference
    fun cmlPrompt(sys: String?, user: String) =
        (if (sys != null) "<|im_start|>system\n$sys<|im_end|>\n" else "") +
            "<|im_start|>user\n$user<|im_end|>\n<|im_start|>assistant\n"

    fun l3Prompt(sys: String?, user: String) =
        (if (sys != null) "<|start_header_id|>system<|end_header_id|>\n\n$sys<|eot_id|>" else "") +
            "<|start_header_id|>user<|end_header_id|>\n\n$user<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"

    /** Special tokens of the test tokenizer, ids 0.. in this order. */
    val specials = listOf(
        "<s>", "</s>", "<pad>", "[UNK]", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|eot_id|>",
        "<|start_header_id|>", "<|end_header_id|>",
    )

    /**
     * A WordLevel tokenizer.json (whitespace split, BOS "<s>" added by a TemplateProcessing
     * post-processor) loaded by DJL's HF tokenizers binding: the real library, a vocabulary the test controls.
     */
    fun tokenizer(words: Collection<String>, addBos: Boolean = true, eos: String? = "</s>"): TestTokenizer {
        val dir = tempDir()
        val vocab = LinkedHashMap<String, Int>()
        for (s in specials) vocab[s] = vocab.size
        for (w in words) if (w !in vocab) vocab[w] = vocab.size
        val added = specials.mapIndexed { i, s ->
            mapOf("id" to i, "content" to s, "single_word" to false, "lstrip" to false, "rstrip" to false,
                "normalized" to false, "special" to true)
        }
        val seqA = mapOf("Sequence" to mapOf("id" to "A", "type_id" to 0))
        val seqB = mapOf("Sequence" to mapOf("id" to "B", "type_id" to 1))
        val bos = mapOf("SpecialToken" to mapOf("id" to "<s>", "type_id" to 0))
        val post = if (addBos) mapOf(
            "type" to "TemplateProcessing", "single" to listOf(bos, seqA), "pair" to listOf(bos, seqA, seqB),
            "special_tokens" to mapOf("<s>" to mapOf("id" to "<s>", "ids" to listOf(0), "tokens" to listOf("<s>"))),
        ) else null
        val json = mapOf(
            "version" to "1.0", "truncation" to null, "padding" to null, "added_tokens" to added,
            "normalizer" to null, "pre_tokenizer" to mapOf("type" to "WhitespaceSplit"), "post_processor" to post,
            "decoder" to null, "model" to mapOf("type" to "WordLevel", "vocab" to vocab, "unk_token" to "[UNK]"),
        )
        Files.writeString(dir.resolve("tokenizer.json"), mapper.writeValueAsString(json))
        val hf = HuggingFaceTokenizer.builder().optTokenizerPath(dir.resolve("tokenizer.json"))
            .optTruncation(false).optPadding(false).build()
        return TestTokenizer(hf, vocab, addBos, eos)
    }
}

/** dev.lathe.engine.text.Tokenizer over DJL, enough for the data layer (the real one is the io engineer's). */
class TestTokenizer(
    private val hf: HuggingFaceTokenizer,
    val vocab: Map<String, Int>,
    private val addBos: Boolean,
    private val eos: String?,
) : Tokenizer {
    override fun encode(text: String, addSpecialTokens: Boolean): IntArray =
        hf.encode(text, addSpecialTokens, false).ids.map { it.toInt() }.toIntArray()

    override fun decode(ids: IntArray, skipSpecialTokens: Boolean): String =
        hf.decode(ids.map { it.toLong() }.toLongArray(), skipSpecialTokens)

    override fun tokenToId(token: String): Int = vocab[token] ?: -1
    override fun vocabSize(): Int = vocab.size
    override fun bosToken(): String = "<s>"
    override fun eosToken(): String? = eos
    override fun padToken(): String = "<pad>"
    override fun addBosToken(): Boolean = addBos
    override fun specialTokens(): List<String> = DataTestSupport.specials
    override fun chatTemplate(): String? = null
    fun id(token: String): Int = vocab.getValue(token)
    fun hfHandle(): Long = hf.handle
}
