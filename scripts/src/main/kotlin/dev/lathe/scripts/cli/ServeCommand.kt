package dev.lathe.scripts.cli

import com.github.ajalt.clikt.core.CliktCommand
import com.github.ajalt.clikt.core.Context
import com.github.ajalt.clikt.parameters.arguments.argument
import com.github.ajalt.clikt.parameters.groups.OptionGroup
import com.github.ajalt.clikt.parameters.groups.provideDelegate
import com.github.ajalt.clikt.parameters.options.default
import com.github.ajalt.clikt.parameters.options.option
import com.github.ajalt.clikt.parameters.types.int
import com.github.ajalt.clikt.parameters.types.path
import dev.lathe.engine.serve.LatheServer
import dev.lathe.engine.serve.ServedModel
import dev.lathe.engine.tensor.DType
import java.nio.file.Path

/** Server limits shared by `lathe serve` and `lathe vllm-serve`. */
class ServeLimits : OptionGroup("Server limits") {
    val maxQueuedRows by option("--max-queued-rows", help = "rows (prompts x n) queued or running before 503 + Retry-After").int().default(256)
    val maxBatchRows by option("--max-batch-rows", help = "rows decoded in one batch (bounds the KV cache)").int().default(32)
    val servedName by option("--served-model-name", help = "the name clients put in \"model\" (default: the folder's name)")
    val chatTemplate by option("--chat-template", help = "chatml, llama3, tokenizer_default, ... (Axolotl's values)")

    fun options(host: String, port: Int): LatheServer.Options =
        LatheServer.Options.defaults().withAddress(host, port).withLimits(maxQueuedRows, maxBatchRows)
}

/** Loads, serves until SIGINT/SIGTERM, then drains in-flight requests before exiting. */
object ServeRunner {
    fun run(echo: (String) -> Unit, modelDir: Path, adapter: Path?, adapterName: String?, dtype: DType, maxModelLen: Int,
        limits: ServeLimits, host: String, port: Int, chatTemplate: String? = limits.chatTemplate) {
        val served = ServedModel.load(modelDir, dtype, limits.servedName, chatTemplate, maxModelLen)
        val server = LatheServer.start(served, limits.options(host, port))
        if (adapter != null) {
            val name = adapterName ?: adapter.toAbsolutePath().normalize().fileName.toString()
            val r = try { server.loadAdapter(name, adapter) } catch (e: RuntimeException) { server.close(); throw e }
            echo("adapter $name loaded from $adapter (version $r)")
        }
        Runtime.getRuntime().addShutdownHook(Thread { server.close() })
        echo("lathe serve: ${served.name()} at ${server.baseUrl()} (OpenAI /v1/*, TRL /generate/ /chat/ /health/ ...); Ctrl-C stops")
        server.join()
    }
}

/** `lathe serve MODEL_DIR`: OpenAI-, vLLM- and TRL-compatible HTTP over Lathe's rollout engine. */
class ServeCommand : CliktCommand(name = "serve") {
    override fun help(context: Context) = "Serve a model folder over HTTP (OpenAI /v1/completions, /v1/chat/completions; TRL's /generate/ ...)"

    private val modelDir by argument("MODEL_DIR").path(mustExist = true)
    private val adapter by option("--adapter", help = "a PEFT adapter folder to serve on top").path(mustExist = true)
    private val adapterName by option("--adapter-name", help = "the adapter's model name (default: its folder's name)")
    private val host by option("--host").default("127.0.0.1")
    private val port by option("--port").int().default(8000)
    private val dtype by option("--dtype").default("f32")
    private val maxModelLen by option("--max-model-len", help = "context limit (default: config max_position_embeddings)").int().default(0)
    private val limits by ServeLimits()

    override fun run() =
        ServeRunner.run(::echo, modelDir, adapter, adapterName, DType.parse(dtype), maxModelLen, limits, host, port)
}
