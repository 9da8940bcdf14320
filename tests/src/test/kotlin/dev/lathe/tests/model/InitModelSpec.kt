package dev.lathe.tests.model

import com.github.ajalt.clikt.core.parse
import dev.lathe.engine.generate.Generator
import dev.lathe.engine.generate.Sampling
import dev.lathe.engine.io.ModelConfig
import dev.lathe.engine.model.HfWeights
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.PeftAdapters
import dev.lathe.engine.nn.LoraSpec
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.scripts.cli.InferenceCommand
import dev.lathe.scripts.cli.InitModelCommand
import dev.lathe.scripts.cli.MergeLoraCommand
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

/** init-model output loads in Lathe (and, by hand, in make_fixtures.py check); merge-lora and inference run on it. */
class InitModelSpec : StringSpec({
    // a fixed folder, so `make_fixtures.py check` can be pointed at it after the run
    val root = Fixtures.repo.resolve("tests/target/init-model-check")

    "init-model writes a loadable llama folder with tokenizer, chat template and generation config" {
        val dir = root.resolve("llama")
        InitModelCommand().parse(listOf(dir.toString(), "--seed", "3"))
        for (f in listOf("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.isRegularFile(dir.resolve(f)) shouldBe true
        }
        Files.readString(dir.resolve("tokenizer_config.json")) shouldContain "chat_template"
        val cfg = ModelConfig.read(dir.resolve("config.json"))
        cfg.modelType() shouldBe "llama"
        HfTokenizer.load(dir).use { tok ->
            cfg.vocabSize() shouldBe tok.vocabSize()
            cfg.eosTokenId() shouldBe tok.tokenToId(tok.eosToken())
            Fixtures.scoped {
                Models.loadCausalLM(dir, DType.F32).use { m ->
                    // embed + lm_head, 2 x (q, o [64, 64]; k, v [32, 64]; 3 MLP [176, 64]; 2 norms), final norm
                    m.parameterCount() shouldBe cfg.vocabSize().toLong() * 64 * 2 + 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 176 + 2 * 64) + 64
                    val ids = Tensors.of(tok.encode("The quick brown fox", false).map { it.toLong() }.toLongArray()).unsqueeze(0)
                    val logits = Grad.noGrad { m.logits(Inputs.of(ids)) }
                    logits.isfinite().all().itemBool() shouldBe true
                    logits.std().item() shouldBeLessThan 1.0 // N(0, 0.02) init gives small logits
                    HfWeights.writer(mapOf("input_ids" to ids, "logits" to logits), "").write(dir.resolve("lathe_logits.safetensors"))
                    val out = Generator(m, tok, 0).generate(listOf(ids.toLongArray().map { it.toInt() }.toIntArray()), Sampling.greedy(5, setOf()))
                    out[0].tokens().size shouldBe 5
                }
            }
        }
        InferenceCommand().parse(listOf(dir.toString(), "--prompt", "Hello", "--max-new-tokens", "4"))
    }

    "qwen3 with a char tokenizer and tied embeddings; merge-lora writes a folder equal to the adapter model" {
        val dir = root.resolve("qwen3")
        InitModelCommand().parse(listOf(dir.toString(), "--arch", "qwen3", "--tokenizer", "char", "--chat-template", "llama3",
            "--tie-embeddings", "--layers", "1", "--hidden", "32", "--heads", "4", "--kv-heads", "1", "--ffn", "48"))
        Fixtures.scoped {
            val ids = Tensors.of(longArrayOf(5, 17, 30, 2, 9), 1, 5)
            val adapted = Models.loadCausalLM(dir, DType.F32).use { m ->
                m.spec().qkNorm() shouldBe true
                m.namedParameters().containsKey("lm_head.weight") shouldBe false
                m.addLora(LoraSpec(2, 4.0, 0.0, listOf(), true, false))
                Grad.disabled().use { m.loraLayers().values.forEach { it.loraB().weight().normal_(0.0, 0.5) } }
                PeftAdapters.save(m, dir.resolve("adapter"), dir.toString())
                Grad.noGrad { m.logits(Inputs.of(ids)) }
            }
            MergeLoraCommand().parse(listOf(dir.toString(), "--lora-model-dir", dir.resolve("adapter").toString()))
            Files.isRegularFile(dir.resolve("adapter/merged/tokenizer.json")) shouldBe true
            Models.loadCausalLM(dir.resolve("adapter/merged"), DType.F32).use { merged ->
                val l = Grad.noGrad { merged.logits(Inputs.of(ids)) }
                Fixtures.maxDiff(l, adapted) shouldBeLessThan 1e-5
                Models.loadCausalLM(dir, DType.F32).use { base ->
                    Fixtures.maxDiff(Grad.noGrad { base.logits(Inputs.of(ids)) }, adapted) shouldNotBe 0.0
                }
            }
        }
    }
})
