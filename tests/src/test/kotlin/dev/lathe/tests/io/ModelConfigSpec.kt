package dev.lathe.tests.io

import dev.lathe.engine.io.FormatException
import dev.lathe.engine.io.GenerationConfig
import dev.lathe.engine.io.ModelConfig
import dev.lathe.engine.io.PyJson
import dev.lathe.engine.io.RopeScaling
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path

class ModelConfigSpec : StringSpec({
  val tmp = Files.createTempDirectory("cfg-spec")
  fun file(name: String, text: String): Path = tmp.resolve(name).also { Files.writeString(it, text) }

  // Values of Llama-3.2-1B's published config.json
  val llama32 = """
    {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
     "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64,
     "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
     "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
     "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
     "pretraining_tp": 1, "rms_norm_eps": 1e-05,
     "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                      "original_max_position_embeddings": 8192, "rope_type": "llama3"},
     "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
     "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256}
  """.trimIndent()

  "reads a Llama 3.2 config with llama3 rope scaling and a list of eos ids" {
    val c = ModelConfig.read(file("llama32.json", llama32))
    c.modelType() shouldBe "llama"
    c.vocabSize() shouldBe 128256
    c.numKeyValueHeads() shouldBe 8
    c.kvGroups() shouldBe 4
    c.headDim() shouldBe 64
    c.rmsNormEps() shouldBe 1e-5
    c.ropeTheta() shouldBe 500000.0
    c.ropeScaling() shouldBe RopeScaling.llama3(32.0, 1.0, 4.0, 8192)
    c.tieWordEmbeddings() shouldBe true
    c.bosTokenId() shouldBe 128000
    c.eosTokenIds() shouldBe listOf(128001, 128008, 128009)
    c.torchDtype() shouldBe "bfloat16"
    c.qkvBias() shouldBe false
    c.extra()["initializer_range"] shouldBe 0.02
    c.numLabels() shouldBe 0
  }

  "writes back in HF form and reads the same config" {
    val c = ModelConfig.read(file("llama32b.json", llama32))
    val out = tmp.resolve("out/config.json")
    c.write(out)
    val text = Files.readString(out)
    text shouldContain "\"rms_norm_eps\": 1e-05,"
    text shouldContain "\"rope_theta\": 500000.0,"
    text shouldContain "\"eos_token_id\": [\n    128001,"
    text shouldContain "\"transformers_version\": \"4.45.0.dev0\""
    text.indexOf("\"architectures\"") shouldBe text.indexOf("{") + 4 // sorted: first key, indent 2
    ModelConfig.read(out) shouldBe c
  }

  "qwen2 implies q/k/v bias but no output bias; head_dim derives from hidden_size" {
    val c = ModelConfig.read(file("qwen2.json", """
      {"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
       "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
       "rope_theta": 1000000.0, "tie_word_embeddings": true, "eos_token_id": 151643}""".trimIndent()))
    c.headDim() shouldBe 64
    c.qkvBias() shouldBe true
    c.outputBias() shouldBe false
    c.eosTokenIds() shouldBe listOf(151643)
    c.bosTokenId() shouldBe null
    c.architectures() shouldBe listOf("Qwen2ForCausalLM")
    c.maxPositionEmbeddings() shouldBe 32768
  }

  "qwen3 defaults head_dim to 128 and uses q/k norm; llama defaults follow LlamaConfig" {
    val q3 = ModelConfig.read(file("qwen3.json", """
      {"model_type": "qwen3", "vocab_size": 1000, "hidden_size": 64, "intermediate_size": 128,
       "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2}""".trimIndent()))
    q3.headDim() shouldBe 128
    q3.qkNorm() shouldBe true
    val tiny = ModelConfig.read(file("tinyllama.json", """
      {"model_type": "llama", "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632,
       "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4}""".trimIndent()))
    tiny.headDim() shouldBe 64
    tiny.bosTokenId() shouldBe 1
    tiny.eosTokenIds() shouldBe listOf(2)
    tiny.ropeTheta() shouldBe 10000.0
    tiny.maxPositionEmbeddings() shouldBe 2048
    tiny.ropeScaling() shouldBe null
  }

  "linear rope scaling and transformers 5 rope_parameters are read" {
    val base = """"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
      "num_hidden_layers": 1, "num_attention_heads": 2"""
    ModelConfig.read(file("lin.json", """{$base, "rope_scaling": {"type": "linear", "factor": 2.0}}""")).ropeScaling() shouldBe
      RopeScaling.linear(2.0)
    val v5 = ModelConfig.read(file("v5.json", """{$base, "rope_parameters": {"rope_type": "default", "rope_theta": 1234.0}}"""))
    v5.ropeTheta() shouldBe 1234.0
    v5.ropeScaling() shouldBe null
    val e = shouldThrow<FormatException> {
      ModelConfig.read(file("yarn.json", """{$base, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}"""))
    }
    e.message shouldContain "yarn.json"
    e.message shouldContain "rope_scaling.rope_type"
    e.message shouldContain "[linear, llama3]"
    shouldThrow<FormatException> {
      ModelConfig.read(file("l3.json", """{$base, "rope_scaling": {"rope_type": "llama3", "factor": 8.0}}"""))
    }.message shouldContain "missing required key 'rope_scaling.low_freq_factor'"
  }

  "unsupported model_type lists the supported ones" {
    val e = shouldThrow<FormatException> { ModelConfig.read(file("gpt2.json", """{"model_type": "gpt2", "vocab_size": 5}""")) }
    e.message shouldContain "gpt2.json"
    e.message shouldContain "[llama, mistral, qwen2, qwen3]"
    e.message shouldContain "\"gpt2\""
  }

  "a missing or mistyped key is named with the file" {
    val missing = shouldThrow<FormatException> {
      ModelConfig.read(file("nohidden.json", """{"model_type": "llama", "vocab_size": 5, "intermediate_size": 4,
        "num_hidden_layers": 1, "num_attention_heads": 1}"""))
    }
    missing.message shouldBe "${tmp.resolve("nohidden.json")}: missing required key 'hidden_size'"
    val typed = shouldThrow<FormatException> {
      ModelConfig.read(file("typed.json", """{"model_type": "llama", "vocab_size": 5, "hidden_size": "big",
        "intermediate_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1}"""))
    }
    typed.message shouldContain "key 'hidden_size': expected a positive integer, found \"big\""
    shouldThrow<FormatException> { ModelConfig.read(file("broken.json", "{\"model_type\": \n  llama}")) }.message shouldContain
      "invalid JSON at line 2"
    shouldThrow<FormatException> {
      ModelConfig.read(file("gqa.json", """{"model_type": "llama", "vocab_size": 5, "hidden_size": 8,
        "intermediate_size": 4, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 3}"""))
    }.message shouldContain "num_key_value_heads"
  }

  "classification labels: id2label read and written with label2id" {
    val c = ModelConfig.read(file("rm.json", """{"model_type": "llama", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
      "architectures": ["LlamaForSequenceClassification"], "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}}"""))
    c.numLabels() shouldBe 1
    c.id2label() shouldBe mapOf(0 to "LABEL_0")
    val out = tmp.resolve("rm-out.json")
    c.write(out)
    Files.readString(out) shouldContain "\"label2id\": {\n    \"LABEL_0\": 0\n  }"
    ModelConfig.read(out) shouldBe c
  }

  "fromMap builds a config in code" {
    val c = ModelConfig.fromMap(mapOf("model_type" to "qwen2", "vocab_size" to 300, "hidden_size" to 32,
      "intermediate_size" to 64, "num_hidden_layers" to 2, "num_attention_heads" to 4, "num_key_value_heads" to 2), Path.of("init-model"))
    c.headDim() shouldBe 8
  }

  "generation_config.json round trip" {
    val f = file("generation_config.json", """{"bos_token_id": 1, "eos_token_id": [2, 7], "do_sample": true,
      "temperature": 0.6, "top_p": 0.9, "transformers_version": "4.45.0"}""")
    val g = GenerationConfig.read(f)
    g.eosTokenIds() shouldBe listOf(2, 7)
    g.temperature() shouldBe 0.6
    g.topK() shouldBe null
    val out = tmp.resolve("gen-out.json")
    g.write(out)
    GenerationConfig.read(out) shouldBe g
    Files.readString(out) shouldBe """{
      |  "bos_token_id": 1,
      |  "do_sample": true,
      |  "eos_token_id": [
      |    2,
      |    7
      |  ],
      |  "temperature": 0.6,
      |  "top_p": 0.9,
      |  "transformers_version": "4.45.0"
      |}
      |""".trimMargin()
    shouldThrow<FormatException> { GenerationConfig.read(file("g2.json", """{"temperature": "hot"}""")) }.message shouldContain
      "key 'temperature': expected a number"
  }

  "floats are written the way Python's repr writes them" {
    listOf(1e-5, 1e-6, 10000.0, 0.02, 1e16, 123.456, 0.0001, 1.0 / 3, -2.5).map { PyJson.pyFloat(it) } shouldBe
      listOf("1e-05", "1e-06", "10000.0", "0.02", "1e+16", "123.456", "0.0001", "0.3333333333333333", "-2.5")
    PyJson(-1, false, false).write(mapOf("a" to listOf(1, "é"), "b" to null)) shouldBe """{"a": [1, "é"], "b": null}"""
    PyJson(-1, false, true).write("é\n") shouldBe "\"\\u00e9\\n\""
  }
})
