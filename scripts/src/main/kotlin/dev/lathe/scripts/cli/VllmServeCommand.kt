package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.tensor.DType
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.config.ConfigNode
import dev.lathe.scripts.config.StrictKeys
import dev.lathe.scripts.config.YamlDoc
import java.nio.file.Files
import java.nio.file.Path

/**
 * `lathe vllm-serve CONFIG.yml`: what `axolotl vllm-serve` does with a training config: serve
 * `base_model` (and `lora_model_dir` when set) with the `vllm:` block's host, port, dtype and
 * max_model_len; CLI flags override. The rest of the training config is not this command's business
 * and is left unread; inside `vllm:` every key is checked (unknown = error, GPU-only = warning).
 */
class VllmServeCommand : CliktCommand(name = "vllm-serve") {
    override fun help(context: Context) = "Serve the base_model of an Axolotl config as `axolotl vllm-serve` does (reads its vllm: block)"

    private val config by argument("CONFIG").path(mustExist = true)
    private val host by option("--host", help = "overrides vllm.host")
    private val port by option("--port", help = "overrides vllm.port").int()
    private val limits by ServeLimits()

    class Settings(val baseModel: Path, val adapter: Path?, val host: String, val port: Int, val dtype: DType, val maxModelLen: Int,
        val chatTemplate: String?, val warnings: List<String>)

    override fun run() {
        val s = read(config)
        s.warnings.forEach { echo("warning: $it", err = true) }
        ServeRunner.run(::echo, s.baseModel, s.adapter, null, s.dtype, s.maxModelLen, limits, host ?: s.host, port ?: s.port,
            limits.chatTemplate ?: s.chatTemplate)
    }

    companion object {
        private const val GPU = "a vLLM GPU setting with no meaning for Lathe's CPU/libtorch engine"
        private val ignored = mapOf(
            "gpu_memory_utilization" to GPU, "enforce_eager" to GPU, "enable_prefix_caching" to GPU, "kv_cache_dtype" to GPU,
            "reasoning_parser" to "no reasoning parser: completions are returned as generated",
            "enable_reasoning" to "no reasoning parser: completions are returned as generated",
            "serve_module" to "Lathe serves TRL's and Axolotl's routes together in one server",
            "worker_extension_cls" to "no vLLM workers: the decode thread applies weight updates",
        )

        /** Reads the keys vllm-serve needs; bad values name the file, line and key. */
        fun read(file: Path): Settings {
            val doc = YamlDoc.read(file.toAbsolutePath().normalize())
            val top = ConfigNode(doc, "", doc.root)
            val dir = doc.file.parent
            val base = top.string("base_model") ?: throw ConfigException("${doc.file}: key `base_model` is required (a local Hugging Face model folder)")
            val baseModel = dir.resolve(base).normalize()
            if (!Files.isDirectory(baseModel)) throw ConfigException("${top.where("base_model")}: key `base_model`: no folder at $baseModel")
            val adapter = top.string("lora_model_dir")?.let { dir.resolve(it).normalize() }
            if (adapter != null && !Files.isDirectory(adapter)) throw ConfigException("${top.where("lora_model_dir")}: key `lora_model_dir`: no folder at $adapter")
            val chatTemplate = top.string("chat_template")
            val v = top.obj("vllm")
            val warnings = mutableListOf<String>()
            var host = "0.0.0.0" // Axolotl's default: the trainer usually runs elsewhere
            var port = 8000
            var dtype = DType.F32
            var maxLen = 0
            if (v != null) {
                host = v.string("host") ?: host
                port = v.int("port") ?: port
                for (k in listOf("tensor_parallel_size", "data_parallel_size")) {
                    val n = v.int(k) ?: 1
                    if (n != 1) throw ConfigException("${v.where(k)}: key `vllm.$k`: Lathe serves from one process, so it must be 1, found $n")
                }
                dtype = when (val d = v.string("dtype") ?: "auto") {
                    "auto" -> DType.F32 // CPU libtorch computes fastest in fp32
                    else -> try { DType.parse(d) } catch (e: IllegalArgumentException) { v.fail("dtype", "auto, float32 or bfloat16", v.raw("dtype")) }
                }
                maxLen = v.int("max_model_len") ?: 0
                if (maxLen < 0) v.fail("max_model_len", "a positive number of tokens", v.raw("max_model_len"))
                StrictKeys.check(listOf(v), { ignored }, warnings)
            }
            return Settings(baseModel, adapter, host, port, dtype, maxLen, chatTemplate, warnings)
        }
    }
}
