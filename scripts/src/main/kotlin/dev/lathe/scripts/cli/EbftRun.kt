package dev.lathe.scripts.cli

import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.PreparedRow
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.Tokenizer
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.ebft.EbftSettings
import dev.lathe.engine.train.ebft.EbftTraining
import dev.lathe.engine.train.ebft.StridedDoc
import dev.lathe.engine.train.methods.PolicyLoader
import dev.lathe.scripts.config.EbftConfig
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.StandardCopyOption

/**
 * A bound `rl: ebft` config -> a finished run. Structured mode: prompts as GRPO renders them and each
 * row's `ground_truth` (tokenised without special tokens, as a completion). Strided mode: each row's
 * `text` is a document (encoded as a text prompt: special tokens added), or a prompt + `ground_truth` row becomes one
 * document whose anchors start after the prompt; documents are cut at sequence_len.
 */
object EbftRun {
    fun run(cfg: EbftConfig, log: PrintStream = System.err): RunResult {
        val tok = HfTokenizer.load(cfg.tokenizerDir)
        val data = Preprocessor.run(cfg.data, tok, ConfigRun.templates(tok), DataWarnings { log.println("data warning: $it") })
        log.println(data.report().toText())
        val rows = data.prepared().train()
        val prompts = data.promptsTrain() // one per prepared row, in order
        Files.createDirectories(cfg.outputDir)
        Files.copy(cfg.file, cfg.outputDir.resolve("config.yml"), StandardCopyOption.REPLACE_EXISTING)
        Runtime.seed(cfg.loop.seed)
        PolicyModel.load(cfg.baseModel, cfg.lora, cfg.loraModelDir).use { m ->
            m.setGradientCheckpointing(cfg.gradientCheckpointing)
            return EbftTraining().apply {
                model = m
                ebft = cfg.ebft
                featureCopy = { PolicyLoader.causalLM(cfg.baseModel) }
                loop = cfg.loop
                padId = GrpoRun.padId(tok)
                baseModelDir = cfg.baseModel
                this.log = log
                if (cfg.ebft.mode == EbftSettings.Mode.STRUCTURED) {
                    this.prompts = prompts
                    groundTruths = rows.map { tok.encode(groundTruth(it), false) }
                    grpo = cfg.grpo
                    loss = cfg.loss
                    tokenizer = tok
                    eosIds = GrpoRun.eosIds(cfg.baseModel, tok)
                } else {
                    documents = documents(cfg, tok, rows, prompts)
                    val cut = documents.count { it.ids().size == cfg.data.sequenceLen }
                    if (cut > 0) log.println("ebft: $cut of ${documents.size} documents reach sequence_len ${cfg.data.sequenceLen} (longer ones are cut there)")
                }
            }.run()
        }
    }

    private fun groundTruth(r: PreparedRow): String = when (val g = r.columns()["ground_truth"]) {
        is String -> g
        null -> throw IllegalArgumentException("row ${r.origin()}: rl: ebft needs a `ground_truth` text (the reference completion); found columns ${r.columns().keys}")
        else -> throw IllegalArgumentException("row ${r.origin()}: `ground_truth` must be a text, found ${g.javaClass.simpleName}")
    }

    /** Strided documents: raw `text`, or prompt + ground_truth (prompt kept whole first: the completion is cut first). */
    fun documents(cfg: EbftConfig, tok: Tokenizer, rows: List<PreparedRow>, prompts: List<dev.lathe.engine.data.GrpoPrompt>): List<StridedDoc> {
        val max = cfg.data.sequenceLen
        return rows.mapIndexed { i, r ->
            if (r.columns()["ground_truth"] == null && r.columns()["text"] is String) {
                val ids = prompts[i].ids() // the row's text, encoded as a text prompt (special tokens added)
                StridedDoc(if (ids.size > max) ids.copyOf(max) else ids, 0)
            } else {
                var p = prompts[i].ids()
                val gt = tok.encode(groundTruth(r), false)
                if (p.size >= max) p = p.copyOf(max - 1)
                val keep = minOf(gt.size, max - p.size)
                StridedDoc(p + gt.copyOf(keep), p.size)
            }
        }
    }

    fun summary(c: EbftConfig): String = buildString {
        val e = c.ebft
        append("method ebft (${e.mode.name.lowercase()}: feature_layers ${e.featureLayers}, ${e.embedMethod.yaml()}${if (e.useWhitening) ", whitened" else ""}, ")
        append("alignment_coef ${e.alignmentCoef}, diversity_coef ${e.diversityCoef})")
        c.lora?.let { append(", LoRA r=${it.r} alpha=${it.alpha}") }
        append("\nbase_model ${c.baseModel}\noutput_dir ${c.outputDir}\n")
        if (e.mode == EbftSettings.Mode.STRUCTURED) {
            append("num_generations ${c.grpo.numGenerations}, max_completion_length ${c.grpo.maxCompletionLength}, loss_type ${c.loss.type().yaml}, ")
        } else {
            append("stride ${e.stride}, context_length ${e.contextLength}, generate_max_len ${e.generateMaxLen}, n_samples_per_prompt ${e.nSamplesPerPrompt}, ")
            append("temperature ${e.temperature}, ${e.effectiveEstimator().name.lowercase()}, rl_coef ${e.rlCoef}, ce_coef ${e.ceCoef}, ")
        }
        append("micro_batch_size ${c.loop.microBatchSize} x gradient_accumulation_steps ${c.loop.gradientAccumulationSteps}, learning_rate ${c.loop.learningRate}")
    }
}
