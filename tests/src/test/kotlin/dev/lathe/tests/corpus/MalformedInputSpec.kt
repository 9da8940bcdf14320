package dev.lathe.tests.corpus

import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.data.TextExample
import dev.lathe.engine.align.Losses
import dev.lathe.engine.io.ModelConfig
import dev.lathe.engine.io.SafetensorsCheckpoint
import dev.lathe.engine.model.Architectures
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.train.LoopSettings
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.Training
import dev.lathe.scripts.cli.ConfigRun
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.dsl.tinyModel
import dev.lathe.scripts.host.ScriptHost
import dev.lathe.tests.cli.Buffer
import dev.lathe.tests.train.MethodFixtures
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path

/**
 * The malformed-input corpus: one hostile or broken input of every kind (config, dataset row, tokenizer,
 * safetensors, model config, adapter, recipe, checkpoint folder) and the exact words of its error, which
 * must name the file (and line or key), what was expected and what was found. Templates' own syntax and
 * content cases live with the template specs; the config's template-path cases are here.
 */
class MalformedInputSpec : StringSpec({
    val dir = Files.createTempDirectory("corpus")
    val model = tinyModel(dir.resolve("tiny")) { hidden = 32; layers = 1; heads = 4; kvHeads = 2 }

    fun file(name: String, text: String): Path = dir.resolve(name).also { Files.createDirectories(it.parent); Files.writeString(it, text) }
    fun bytes(name: String, b: ByteArray): Path = dir.resolve(name).also { Files.write(it, b) }

    /** The error message of body, which must fail. */
    fun error(body: () -> Unit): String {
        val e = runCatching(body).exceptionOrNull() ?: error("expected an error, but the input was accepted")
        return (e.message ?: e.toString()).also { println("corpus: $it") }
    }

    val header = "base_model: ./tiny\nrl: dpo\ndatasets:\n  - path: rows.jsonl\n    type: chatml.intel\nsequence_len: 64\n"
    fun config(extra: String, name: String = "c.yml") = file(name, header + extra)
    fun bind(extra: String) = error { ConfigBinder.read(config(extra)) }

    // ---- config
    "config: a key given twice" { bind("rl: ipo\n") shouldContain "c.yml:7: key `rl` is given twice (first at line 2); remove one" }
    "config: a binary file" {
        error { ConfigBinder.read(bytes("bin.yml", byteArrayOf(0x7f, 'E'.code.toByte(), 'L'.code.toByte(), 'F'.code.toByte(), 2, 1, 0, 0))) } shouldContain
            "bin.yml:1: expected a YAML text file, found a NUL byte at offset 6"
    }
    "config: invalid UTF-8" {
        error { ConfigBinder.read(bytes("latin1.yml", "base_model: ./tiny\n# caf".toByteArray() + byteArrayOf(0xe9.toByte(), '\n'.code.toByte()))) } shouldContain
            "latin1.yml:2: expected UTF-8 text, found byte 0xe9"
    }
    "config: rl and reward_model together" { bind("reward_model: true\n") shouldContain "c.yml:7: `rl: dpo` and `reward_model: true` are both set" }
    "config: early stopping without an eval set" {
        bind("early_stopping_patience: 2\n") shouldContain "c.yml:7: early_stopping_patience: 2 needs an eval set, found none"
    }
    "config: output_dir that is a file" {
        file("taken", "x")
        bind("output_dir: ./taken\n") shouldContain "c.yml:7: key `output_dir`: expected a folder (existing or not), found a file at $dir/taken"
    }
    "config: chat_template_jinja naming a missing file resolves against the config's folder and fails" {
        bind("chat_template: jinja\nchat_template_jinja: templates/missing.jinja\n") shouldContain
            "c.yml:8: key `chat_template_jinja`: expected Jinja template source or a template file, found no file at $dir/templates/missing.jinja"
    }
    "config: chat_template_jinja file beside the config is found from any working folder" {
        file("templates/t.jinja", "{% for m in messages %}{{ m['content'] }}{% endfor %}")
        val cfg = ConfigBinder.read(config("chat_template: jinja\nchat_template_jinja: templates/t.jinja\n"))
        cfg.data.chatTemplateJinja shouldBe dir.resolve("templates/t.jinja").toString()
    }
    "config: TR-DPO with adapter: lora" {
        bind("adapter: lora\nlora_target_linear: true\nrl_adapter_ref_model: true\ntrl:\n  sync_ref_model: true\n") shouldContain
            "sync_ref_model (TR-DPO) with adapter: lora is not supported"
    }
    "config: an unknown key" { bind("learning_rat: 0.1\n") shouldContain "c.yml:7: unknown key `learning_rat` (did you mean `learning_rate`?)" }
    "config: a non-finite number" { bind("learning_rate: 1e400\n") shouldContain "c.yml:7: key `learning_rate`: expected a finite number" }

    // ---- dataset rows, through the same pipeline as `lathe train`
    fun rows(name: String, content: ByteArray, type: String = "chatml.intel"): String {
        bytes(name, content)
        val cfg = file("d-$name.yml", header.replace("rows.jsonl", name).replace("chatml.intel", type))
        return error {
            val inputs = ConfigRun.preprocessInputs(cfg)
            Preprocessor.run(inputs.data, inputs.tokenizer, inputs.templates, DataWarnings())
        }
    }
    val good = """{"system": "s", "question": "q", "chosen": "a", "rejected": "b"}"""

    "row: a duplicated key" {
        rows("dup.jsonl", """{"system": "s", "question": "q", "chosen": "a", "chosen": "b", "rejected": "c"}""".toByteArray()) shouldContain
            "dup.jsonl:1: malformed JSON: Duplicate field 'chosen'"
    }
    "row: a lone UTF-16 surrogate" {
        rows("sur.jsonl", ("$good\n" + """{"system": "s", "question": "q\ud800", "chosen": "a", "rejected": "b"}""").toByteArray()) shouldContain
            "sur.jsonl:2: a string holds a lone UTF-16 surrogate \\ud800 at character 1"
    }
    "row: bytes that are not UTF-8" {
        rows("latin1.jsonl", "$good\n{\"system\": \"caf".toByteArray() + byteArrayOf(0xe9.toByte()) + "\"}\n".toByteArray()) shouldContain
            "latin1.jsonl:2: expected UTF-8 text, found byte 0xe9 at byte 16 of the line"
    }
    "row: nesting deeper than any dataset needs" {
        rows("deep.jsonl", ("{\"question\": " + "[".repeat(5000) + "]".repeat(5000) + "}").toByteArray()) shouldContain
            "deep.jsonl:1: malformed JSON: Document nesting depth (201) exceeds the maximum allowed (200"
    }
    "row: an empty dataset file is named" { rows("empty.jsonl", ByteArray(0)) shouldContain "empty.jsonl: expected rows, found none" }
    "row: a ragged CSV row names its line and the header" {
        rows("ragged.csv", "system,question,chosen,rejected\ns,q,a,b\ns,q,a\n".toByteArray()) shouldContain
            "ragged.csv:3: expected 4 comma-separated fields (the header's [system, question, chosen, rejected]), found 3: s,q,a"
    }
    "row: a missing field for the type" {
        rows("missing.jsonl", """{"system": "s", "chosen": "a", "rejected": "b"}""".toByteArray()) shouldContain "missing.jsonl:1"
    }

    // ---- tokenizer, safetensors, model config
    "tokenizer: tokenizer.json that is not JSON" {
        val t = dir.resolve("badtok").also { Files.createDirectories(it) }
        Files.writeString(t.resolve("tokenizer.json"), "{ not json")
        error { HfTokenizer.load(t) } shouldContain "badtok/tokenizer.json"
    }
    "safetensors: a header length past the end of the file" {
        val f = bytes("bad.safetensors", byteArrayOf(0x00, 0x10, 0, 0, 0, 0, 0, 0, '{'.code.toByte(), '}'.code.toByte()))
        error { SafetensorsCheckpoint.open(f).close() } shouldContain "bad.safetensors"
    }
    "model config: hidden_size that is not a number" {
        val m = dir.resolve("badcfg").also { Files.createDirectories(it) }
        Files.copy(model.resolve("model.safetensors"), m.resolve("model.safetensors"))
        Files.writeString(m.resolve("config.json"), Files.readString(model.resolve("config.json")).replace(Regex("\"hidden_size\": *\\d+"), "\"hidden_size\": \"big\""))
        error { Models.load(m, DType.F32).close() } shouldContain "badcfg/config.json"
    }

    "model config: Qwen2 use_sliding_window with layers that would slide is refused, not ignored" {
        val m = dir.resolve("qwen2cfg").also { Files.createDirectories(it) }
        fun cfg(maxWindowLayers: Int) = Files.writeString(m.resolve("config.json"), Files.readString(model.resolve("config.json"))
            .replace(Regex("\"model_type\": *\"llama\""), "\"model_type\": \"qwen2\", \"use_sliding_window\": true, \"sliding_window\": 4, \"max_window_layers\": $maxWindowLayers")
            .replace("LlamaForCausalLM", "Qwen2ForCausalLM"))
        cfg(0)
        error { Architectures.spec(ModelConfig.read(m.resolve("config.json")), DType.F32) } shouldContain
            "config.json: use_sliding_window: true with max_window_layers 0 < num_hidden_layers 1 gives layers 0..0 sliding-window attention (window 4)"
        cfg(1) // every layer below max_window_layers: full attention everywhere, as transformers runs it
        Architectures.spec(ModelConfig.read(m.resolve("config.json")), DType.F32).slidingWindow() shouldBe null
    }

    // ---- adapters
    fun adapter(name: String, config: String, weights: Boolean): Path {
        val a = dir.resolve(name).also { Files.createDirectories(it) }
        Files.writeString(a.resolve("adapter_config.json"), config)
        if (weights) Files.write(a.resolve("adapter_model.safetensors"), byteArrayOf(2, 0, 0, 0, 0, 0, 0, 0, '{'.code.toByte(), '}'.code.toByte()))
        return a
    }
    "adapter: adapter_model.safetensors missing" {
        val a = adapter("noweights", """{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]}""", false)
        error { Models.loadCausalLM(model, DType.F32).use { PeftAdapters.load(it, a) } } shouldContain
            "noweights/adapter_model.safetensors: expected the adapter's weights here next to adapter_config.json, found no file"
    }
    "adapter: target_modules the model does not have" {
        val a = adapter("badtargets", """{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["query_key_value"]}""", true)
        error { Models.loadCausalLM(model, DType.F32).use { PeftAdapters.load(it, a) } } shouldContain
            "badtargets/adapter_config.json: key 'target_modules': lora_target_modules [query_key_value] match no linear layer"
    }
    "adapter: r of 0" {
        val a = adapter("zero", """{"peft_type": "LORA", "r": 0, "target_modules": ["q_proj"]}""", true)
        error { Models.loadCausalLM(model, DType.F32).use { PeftAdapters.load(it, a) } } shouldContain "zero/adapter_config.json: key 'r': expected a positive integer, found 0"
    }
    "adapter: lora_r larger than memory fails before allocating, naming the key" {
        error { CausalLM(MethodFixtures.spec()).use { it.addLora(LoraSpec(2_000_000_000, 16.0, 0.0, emptyList(), true, false)) } } shouldContain
            "lora_r: 2000000000 gives adapters of"
    }

    // ---- recipe
    "recipe: an unresolved name is reported at the script's line and column" {
        val err = Buffer()
        val f = file("bad.main.kts", "val x = 1\nprintln(modle)\n").toFile()
        ScriptHost(dir.resolve("cache").toFile(), err.stream).run(f) shouldBe 1
        err.toString() shouldContain "bad.main.kts:2:9: error: Unresolved reference 'modle'."
    }

    // ---- training inputs
    "training: token ids past the model's vocabulary name the row" {
        val row = PreparedRow(emptyMap(), "rows.jsonl:7", TextExample.pair(Method.DPO, "", "", ""))
        val ex = EncodedExample(row, intArrayOf(3, 40), arrayOf(intArrayOf(1), intArrayOf(2)))
        error {
            CausalLM(MethodFixtures.spec()).use { m ->
                Training().apply {
                    this.model = m; loss = Losses.dpo().build(); reference = ReferenceKind.NONE; train = listOf(ex)
                    loop = LoopSettings().apply { outputDir = dir.resolve("vocab-out"); progress = false; plots = false }
                }.run()
            }
        } shouldContain "row rows.jsonl:7: token id 40 is past the model's vocabulary (vocab_size 32 in its config.json)"
    }
    "checkpoint: a save killed mid-write leaves a temp folder the next run removes" {
        val out = dir.resolve("ck-out").also { Files.createDirectories(it.resolve(".checkpoint-3.tmp-2147483000")) }
        dev.lathe.engine.train.Checkpoints.sweepAbandoned(out).map { it.fileName.toString() } shouldBe listOf(".checkpoint-3.tmp-2147483000")
        Files.exists(out.resolve(".checkpoint-3.tmp-2147483000")) shouldBe false
    }
})
