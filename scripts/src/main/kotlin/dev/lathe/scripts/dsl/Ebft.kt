package dev.lathe.scripts.dsl

import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.ebft.EbftTraining
import dev.lathe.engine.train.ebft.StridedDoc
import dev.lathe.engine.train.grpo.GrpoSettings
import dev.lathe.engine.train.methods.PolicyLoader
import java.nio.file.Path

/**
 * ebft(model, prompts, groundTruths) { ... } (structured) and ebftStrided(model, texts) { ... }: EBFT from a
 * recipe (docs/ebft.md). `ebft` is the engine's EbftSettings itself; structured mode also takes GRPO's settings.
 */
class EbftSpec : RunSpec("ebft") {
    val ebft = EbftSettings()
    val settings = GrpoSettings()

    /** The ebft: block (featureLayers, embedMethod, useWhitening, alignmentCoef, diversityCoef, stride, ...). */
    fun ebft(block: EbftSettings.() -> Unit) { ebft.block() }

    /** Structured mode's sampling and geometry (numGenerations, maxCompletionLength, temperature, ...). */
    fun grpo(block: GrpoSettings.() -> Unit) { settings.block() }
}

/** Structured mode: each prompt's ground-truth completion is tokenised without special tokens. */
fun ebft(model: Path, prompts: List<GrpoPrompt>, groundTruths: List<String>, block: EbftSpec.() -> Unit = {}): Trained {
    val s = EbftSpec().apply { loop.learningRate = 1e-5 }.apply(block)
    s.ebft.mode = EbftSettings.Mode.STRUCTURED
    val tok = HfTokenizer.load(model)
    return run(model, s) {
        this.prompts = prompts
        this.groundTruths = groundTruths.map { tok.encode(it, false) }
        grpo = s.settings
        tokenizer = tok
        eosIds = eosIds(model, tok)
    }
}

/** Strided mode on raw texts (tokenised with special tokens, cut at maxTokens). */
fun ebftStrided(model: Path, texts: List<String>, maxTokens: Int = 512, block: EbftSpec.() -> Unit = {}): Trained {
    val s = EbftSpec().apply(block)
    s.ebft.mode = EbftSettings.Mode.STRIDED
    val tok = HfTokenizer.load(model)
    return run(model, s) { documents = texts.map { t -> tok.encode(t, true).let { StridedDoc(if (it.size > maxTokens) it.copyOf(maxTokens) else it, 0) } } }
}

private fun run(model: Path, s: EbftSpec, fill: EbftTraining.() -> Unit): Trained {
    Runtime.seed(s.loop.seed)
    val tok = HfTokenizer.load(model)
    PolicyLoader.causalLM(model).use { m ->
        s.lora?.let { m.addLora(it) }
        val run = EbftTraining().apply {
            this.model = m
            ebft = s.ebft
            featureCopy = { PolicyLoader.causalLM(model) }
            loop = s.loop
            padId = padId(tok)
            baseModelDir = model
            fill()
        }.run()
        return Trained(run, s.output, model, s.lora != null)
    }
}
