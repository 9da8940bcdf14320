package dev.lathe.tests.model

import dev.lathe.engine.model.Inputs
import dev.lathe.engine.model.ModelInit
import dev.lathe.engine.model.Models
import dev.lathe.engine.model.SequenceClassifier
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

class ClassifierSpec : StringSpec({
    "the score is read at the last real token; saved and loaded as *ForSequenceClassification" {
        Fixtures.scoped {
            SequenceClassifier(Fixtures.tinySpec(labels = 1)).use { rm ->
                ModelInit.randomize(rm, 5, 0.2)
                Grad.disabled().use {
                    val alone = rm.scores(Inputs.of(Tensors.of(longArrayOf(7, 3, 12), 1, 3)))
                    // same row right-padded with pad id 0, and a mask saying so
                    val ids = Tensors.of(longArrayOf(7, 3, 12, 0, 0, 4, 4, 4, 4, 4), 2, 5)
                    val mask = Tensors.of(longArrayOf(1, 1, 1, 0, 0, 1, 1, 1, 1, 1), 2, 5)
                    val padded = rm.scores(Inputs.padded(ids, mask))
                    padded.shape().toList() shouldBe listOf(2L, 1L)
                    Fixtures.maxDiff(padded.narrow(0, 0, 1), alone) shouldBeLessThan 1e-6
                    // without a mask the pad id (0) marks padding
                    Fixtures.maxDiff(rm.scores(Inputs.of(ids)).narrow(0, 0, 1), alone) shouldBeLessThan 1e-6
                    // by hand: score . hidden at index 2
                    val h = rm.hidden(Inputs.of(Tensors.of(longArrayOf(7, 3, 12), 1, 3))).select(1, 2)
                    Fixtures.maxDiff(h.matmul(rm.score().weight().t()), alone) shouldBeLessThan 1e-6

                    val dir = Files.createTempDirectory("lathe-rm")
                    Models.save(rm, dir)
                    Files.readString(dir.resolve("config.json")) shouldContain "LlamaForSequenceClassification"
                    Models.load(dir, DType.F32).use { back ->
                        (back as SequenceClassifier).scores(Inputs.padded(ids, mask)).equal(padded) shouldBe true
                        back.namedParameters().keys.contains("score.weight") shouldBe true
                    }
                }
            }
        }
    }
})
