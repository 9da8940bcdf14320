package dev.lathe.scripts.dsl

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.Tokenizer
import java.nio.file.Files
import java.nio.file.Path

/** A row transform as recipes write it: the returned columns are merged over the row. */
typealias RowTransform = (Map<String, Any?>) -> Map<String, Any?>

/**
 * The datasets of a recipe: files with Axolotl types, or rows held in the script, each optionally
 * passed through a Kotlin transform; the same pipeline as `lathe train` (types, length step,
 * shuffle, eval split, tokenization).
 */
class DataBuilder internal constructor(private val workDir: Path) {
    var sequenceLen = 512
    var valSetSize = 0.0
    var chatTemplate: String? = null
    /** chat_template_jinja: inline Jinja source or the path of a file holding it (then chatTemplate may stay null). */
    var chatTemplateJinja: String? = null
    /** chat_template_kwargs: extra template variables, e.g. mapOf("enable_thinking" to false, "tools" to listOf(...)). */
    var chatTemplateKwargs: Map<String, Any?> = emptyMap()
    var seed = 42L
    var shuffle = true
    internal val train = mutableListOf<DatasetSpec>()
    internal val test = mutableListOf<DatasetSpec>()

    /** A dataset file (jsonl, json, parquet, csv) with an Axolotl `type`, e.g. "chatml.intel". */
    fun dataset(path: String, type: String? = null, transform: RowTransform? = null) { train += spec(path, type, transform) }

    fun testDataset(path: String, type: String? = null, transform: RowTransform? = null) { test += spec(path, type, transform) }

    /** Rows made in the script; stored as workDir/name.jsonl so the run can be inspected afterwards. */
    fun rows(name: String, rows: List<Map<String, Any?>>, type: String? = null, transform: RowTransform? = null) {
        train += spec(writeRows(name, rows).toString(), type, transform)
    }

    fun testRows(name: String, rows: List<Map<String, Any?>>, type: String? = null, transform: RowTransform? = null) {
        test += spec(writeRows(name, rows).toString(), type, transform)
    }

    private fun writeRows(name: String, rows: List<Map<String, Any?>>): Path {
        Files.createDirectories(workDir)
        val json = ObjectMapper()
        return workDir.resolve("$name.jsonl").also { f -> Files.writeString(f, rows.joinToString("") { json.writeValueAsString(it) + "\n" }) }
    }

    private fun spec(path: String, type: String?, transform: RowTransform?): DatasetSpec {
        val b = DatasetSpec.builder(path)
        type?.let { b.type(it) }
        transform?.let { fn -> b.transform { row -> fn(row) } }
        return b.build()
    }
}

/** Tokenized examples ready for a trainer, with the tokenizer they were made with. */
class Data(val method: Method, val tokenizer: Tokenizer, val train: List<EncodedExample>, val eval: List<EncodedExample>,
           /** The tokenizer's folder and the length cut: part of the precomputed-reference cache key. */
           val tokenizerDir: Path? = null, val sequenceLen: Int = 0) {
    /** pad token, else EOS, else 0 (padding is masked out everywhere). */
    val padId: Int = listOfNotNull(tokenizer.padToken(), tokenizer.eosToken()).map { tokenizer.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0
}

/** data(model, Method.DPO) { rows("pairs", ...); valSetSize = 0.2 }: tokenized with model's tokenizer. */
fun data(model: Path, method: Method = Method.DPO, workDir: Path = Path.of("out", "data"), block: DataBuilder.() -> Unit): Data {
    val b = DataBuilder(workDir).apply(block)
    val cfg = DataConfig.builder().rl(if (method == Method.REWARD_MODEL) null else method.key).rewardModel(method == Method.REWARD_MODEL)
        .datasets(b.train).testDatasets(b.test).sequenceLen(b.sequenceLen).valSetSize(b.valSetSize).seed(b.seed)
        .shuffleMergedDatasets(b.shuffle).chatTemplate(b.chatTemplate).chatTemplateJinja(b.chatTemplateJinja).chatTemplateKwargs(b.chatTemplateKwargs).baseDir(Path.of("").toAbsolutePath()).build()
    val tok = HfTokenizer.load(model)
    val r = Preprocessor.run(cfg, tok, TemplateRenderers.of(tok), DataWarnings { System.err.println("data warning: $it") })
    return Data(method, tok, r.train(), r.eval(), model, b.sequenceLen)
}
