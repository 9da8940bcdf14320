package dev.lathe.scripts.cli

import dev.lathe.engine.data.ChatRenderer
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.EncodedExample
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.Preprocessor
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.model.LanguageModel
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.Tokenizer
import dev.lathe.engine.train.RunResult
import dev.lathe.engine.train.methods.PolicyLoader
import dev.lathe.engine.train.methods.ReferencePolicy
import dev.lathe.engine.train.methods.ReferenceKind
import dev.lathe.engine.train.methods.Training
import dev.lathe.scripts.config.TrainConfig
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/**
 * A bound config -> a finished run: tokenizer, data pipeline, policy (with LoRA), reference strategy,
 * the method's trainer; output_dir receives the model or adapter, a copy of the config, metrics and plots.
 */
object ConfigRun {
    fun run(cfg: TrainConfig, log: PrintStream = System.err): RunResult {
        val tok = HfTokenizer.load(cfg.tokenizerDir)
        val warnings = DataWarnings { log.println("data warning: $it") }
        val data = Preprocessor.run(cfg.data, tok, templates(tok), warnings)
        log.println(data.report().toText())
        if (cfg.loop.parallel.writes()) { // rank 0 alone writes into output_dir
            Files.createDirectories(cfg.outputDir)
            Files.copy(cfg.file, cfg.outputDir.resolve("config.yml"), StandardCopyOption.REPLACE_EXISTING)
        }
        Runtime.seed(cfg.loop.seed) // LoRA and score-head init are reproducible from `seed`
        loadPolicy(cfg).use { policy ->
            policy.setGradientCheckpointing(cfg.gradientCheckpointing) // the loop's afterBackward finishes it
            return Training().apply {
                model = policy
                loss = cfg.loss
                reference = cfg.reference
                referenceCopy = { PolicyLoader.causalLM(cfg.baseModel) }
                referenceCacheDir = cacheDir()
                referenceCacheKey = cacheKey(cfg, data.train + data.eval)
                train = data.train
                eval = data.eval
                padId = padId(tok)
                margins = margins(cfg.method, data.train + data.eval)
                loop = cfg.loop
                syncAlpha = cfg.refSync?.alpha
                cfg.refSync?.let { syncSteps = it.syncSteps }
                baseModelDir = cfg.baseModel
                paddingFree = cfg.paddingFree
                sharedPrompt = cfg.sharedPrompt
                this.log = log
            }.run()
        }
    }

    /** What `lathe preprocess` needs from a config: its data section, tokenizer and templates. */
    fun preprocessInputs(file: Path): PreprocessInputs {
        val (data, tokDir, warnings) = when (val c = dev.lathe.scripts.config.ConfigBinder.readAny(file)) {
            is dev.lathe.scripts.config.GrpoConfig -> Triple(c.data, c.tokenizerDir, c.warnings)
            is dev.lathe.scripts.config.EbftConfig -> Triple(c.data, c.tokenizerDir, c.warnings)
            else -> (c as TrainConfig).let { Triple(it.data, it.tokenizerDir, it.warnings) }
        }
        warnings.forEach { System.err.println("warning: $it") }
        val tok = HfTokenizer.load(tokDir)
        return PreprocessInputs(data, tok, templates(tok))
    }

    /** The engine's one chat-template resolver (built-in names, tokenizer_default, chat_template_jinja source or file). */
    fun templates(tok: Tokenizer): ChatRenderer.Source = TemplateRenderers.of(tok)

    private fun loadPolicy(cfg: TrainConfig): LanguageModel {
        if (cfg.method == Method.REWARD_MODEL) {
            if (cfg.lora != null) throw IllegalArgumentException("${cfg.file}: reward modelling with adapter: lora is not supported; remove `adapter`")
            return PolicyLoader.rewardModel(cfg.baseModel, cfg.loop.seed)
        }
        return PolicyModel.load(cfg.baseModel, cfg.lora, cfg.loraModelDir)
    }

    /** pad token, else eos (TRL's fallback), else 0: padding is masked out everywhere anyway. */
    private fun padId(tok: Tokenizer): Int =
        listOfNotNull(tok.padToken(), tok.eosToken()).map { tok.tokenToId(it) }.firstOrNull { it >= 0 } ?: 0

    private fun margins(method: Method, rows: List<EncodedExample>): DoubleArray? {
        if (method != Method.REWARD_MODEL || rows.none { it.row().columns()["margin"] != null }) return null
        return DoubleArray(rows.size) { i ->
            when (val v = rows[i].row().columns()["margin"]) {
                is Number -> v.toDouble()
                null -> 0.0
                else -> throw IllegalArgumentException("row ${rows[i].row().origin()}: column `margin` must be a number, found '$v'")
            }
        }
    }

    fun cacheDir(): Path = ReferencePolicy.cacheDir()

    private fun cacheKey(cfg: TrainConfig, rows: List<EncodedExample>): String? {
        if (cfg.reference != ReferenceKind.PRECOMPUTED) return null
        return ReferencePolicy.cacheKey(cfg.baseModel, cfg.tokenizerDir, cfg.data.sequenceLen, cfg.loop.bf16, cfg.lora != null, rows)
    }
}
