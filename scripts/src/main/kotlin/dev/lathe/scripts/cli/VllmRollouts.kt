package dev.lathe.scripts.cli

import dev.lathe.engine.generate.RolloutEngine
import dev.lathe.engine.model.CausalLM
import dev.lathe.engine.remote.GenerationClient
import dev.lathe.engine.remote.RemoteException
import dev.lathe.engine.remote.RemoteRollouts
import dev.lathe.engine.text.Tokenizer
import dev.lathe.scripts.config.GrpoConfig
import dev.lathe.scripts.config.VllmBinding
import java.io.PrintStream
import java.time.Duration

/**
 * `trl.use_vllm: true`: GRPO's rollouts from the generation server the config names. The server must be
 * healthy before training starts; every server failure (absent, slow, refusing a generation or an update)
 * is reported with host:port and the config keys that chose them.
 */
object VllmRollouts {
    fun connect(v: VllmBinding.Settings, cfg: GrpoConfig, model: CausalLM, tok: Tokenizer, log: PrintStream): RolloutEngine {
        val client = GenerationClient(v.host, v.port, Duration.ofMillis((v.timeoutSeconds * 1000).toLong()))
        val sync = if (v.loraSync) RemoteRollouts.Sync.LORA_FILES else RemoteRollouts.Sync.FULL_WEIGHTS
        // Axolotl names the synced adapter after model_name_or_path
        val remote = RemoteRollouts(client, model, tok, sync, v.syncInterval, cfg.baseModel.toString(), cfg.outputDir.resolve("vllm_lora_sync"), log)
        located(v) { remote.connect() }
        log.println("rollouts: generating through ${client.baseUrl()} (trl.use_vllm; policy synced as " +
            "${if (v.loraSync) "LoRA adapter files" else "full weights"} every ${v.syncInterval} step(s))")
        return RolloutEngine { prompts, s, version -> located(v) { remote.generate(prompts, s, version) } }
    }

    private fun <T> located(v: VllmBinding.Settings, body: () -> T): T = try {
        body()
    } catch (e: RemoteException) {
        throw RemoteException("${v.where}: trl.use_vllm: generation server ${v.address} (trl.vllm_server_host / vllm_server_port, " +
            "timeout trl.vllm_server_timeout = ${v.timeoutSeconds} s): ${e.message}", e.status(), e)
    }
}
