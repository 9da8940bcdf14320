package dev.lathe.tests.model

import dev.lathe.engine.io.FormatException
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/** Lathe's decoder against the independent PyTorch model of tests/fixtures/models/make_fixtures.py. */
class DecoderSpec : StringSpec({
    for (arch in listOf("llama", "qwen2", "qwen3")) {
        "$arch logits match the PyTorch reference (plain, right-padded, packed) to 1e-5" {
            Fixtures.scoped {
                val exp = Fixtures.tensors(Fixtures.model(arch).resolve("expected.safetensors"))
                Models.loadCausalLM(Fixtures.model(arch), DType.F32).use { m ->
                    Grad.disabled().use {
                        val ids = exp.getValue("input_ids")
                        Fixtures.maxDiff(m.logits(Inputs.of(ids)), exp.getValue("logits")) shouldBeLessThan 1e-5
                        val masked = m.logits(Inputs.padded(ids, exp.getValue("attention_mask")))
                        Fixtures.maxDiff(masked, exp.getValue("logits_masked")) shouldBeLessThan 1e-5
                        val packed = m.logits(Inputs.packed(ids.narrow(0, 0, 1), exp.getValue("packed_position_ids")))
                        Fixtures.maxDiff(packed, exp.getValue("logits_packed")) shouldBeLessThan 1e-5
                    }
                }
            }
        }
    }

    "save -> load gives identical logits, single file and sharded" {
        Fixtures.scoped {
            val dir = Files.createTempDirectory("lathe-model")
            Models.loadCausalLM(Fixtures.model("qwen2"), DType.F32).use { m ->
                val ids = Fixtures.tensors(Fixtures.model("qwen2").resolve("expected.safetensors")).getValue("input_ids")
                val before = Grad.noGrad { m.logits(Inputs.of(ids)) }
                Models.save(m, dir.resolve("one"))
                Models.save(m, dir.resolve("sharded"), 20_000)
                Files.exists(dir.resolve("sharded/model.safetensors.index.json")) shouldBe true
                for (sub in listOf("one", "sharded")) {
                    Models.loadCausalLM(dir.resolve(sub), DType.F32).use { back ->
                        back.logits(Inputs.of(ids)).equal(before) shouldBe true
                    }
                }
            }
        }
    }

    "a missing, unexpected or mis-shaped weight is an error naming it" {
        val dir = Files.createTempDirectory("lathe-bad")
        Fixtures.scoped {
            CausalLM(Fixtures.tinySpec()).use { m ->
                ModelInit.randomize(m, 1, 0.02)
                Models.save(m, dir)
            }
        }
        val cfg = Files.readString(dir.resolve("config.json"))
        fun variant(name: String, edit: (String) -> String): Path {
            val d = Files.createDirectories(dir.resolveSibling(dir.fileName.toString() + "-" + name))
            Files.copy(dir.resolve("model.safetensors"), d.resolve("model.safetensors"), StandardCopyOption.REPLACE_EXISTING)
            Files.writeString(d.resolve("config.json"), edit(cfg))
            return d
        }
        val moreLayers = variant("layers") { it.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3") }
        shouldThrow<FormatException> { Models.load(moreLayers, DType.F32) }.message shouldContain "missing weight 'model.layers.2."
        val fewer = variant("fewer") { it.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1") }
        shouldThrow<FormatException> { Models.load(fewer, DType.F32) }.message shouldContain "unexpected weight 'model.layers.1."
        val wider = variant("ffn") { it.replace("\"intermediate_size\": 40", "\"intermediate_size\": 41") }
        val e = shouldThrow<FormatException> { Models.load(wider, DType.F32) }
        e.message shouldContain "has shape [40, 32], the model expects [41, 32]"
        val gpt = variant("arch") { it.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\"") }
        shouldThrow<RuntimeException> { Models.load(gpt, DType.F32) }.message shouldContain "llama"
    }
})
