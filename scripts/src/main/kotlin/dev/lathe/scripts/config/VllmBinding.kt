package dev.lathe.scripts.config

/**
 * GRPO's generation-server keys (`trl.use_vllm` and the `vllm_*` keys of server mode, grpo-spec §2, §14.4,
 * §14.5) -> where the trainer generates and how it pushes its policy there. Defaults are TRL's and
 * Axolotl's: host 0.0.0.0, port 8000, timeout 240 s, sync every step, full weights unless vllm_lora_sync.
 * Server keys without use_vllm: true change nothing (as in TRL) and get a warning. The importance-sampling
 * correction that use_vllm switches on is AsyncBinding's.
 */
object VllmBinding {
    /**
     * @param where the config location of the server keys, for errors about the server at run time
     * @param loraSync push PEFT adapter files (vllm_lora_sync) rather than full weights over HTTP
     */
    data class Settings(val host: String, val port: Int, val timeoutSeconds: Double, val syncInterval: Int, val loraSync: Boolean,
                        val where: String) {
        val address get() = "$host:$port"
    }

    val KEYS = listOf("use_vllm", "vllm_mode", "vllm_server_host", "vllm_server_port", "vllm_server_timeout", "vllm_sync_interval", "vllm_lora_sync")

    fun bind(t: ConfigNode, hasAdapter: Boolean, warnings: MutableList<String>): Settings? {
        if (t.bool("use_vllm") != true) {
            // vllm_sync_interval also paces async GRPO; AsyncBinding warns about it
            KEYS.drop(1).filter { t.has(it) && it != "vllm_sync_interval" }.forEach { warnings += "${t.where(it)}: trl.$it has no effect without trl.use_vllm: true" }
            return null
        }
        if (t.bool("async_prefetch") == true) {
            throw ConfigException("${t.where("async_prefetch")}: trl.async_prefetch with trl.use_vllm is not implemented in Lathe yet " +
                "(async rounds generate in process from weight snapshots); use one or the other")
        }
        val mode = t.string("vllm_mode") ?: "server"
        if (mode != "server") {
            throw ConfigException("${t.where("vllm_mode")}: trl.vllm_mode: expected server (a generation server reached over HTTP), " +
                "found $mode; colocated vLLM does not exist in Lathe (without use_vllm generation already runs in process)")
        }
        val host = t.string("vllm_server_host") ?: "0.0.0.0"
        if (host.isBlank()) throw ConfigException("${t.where("vllm_server_host")}: trl.vllm_server_host: expected a host name or address, found an empty string")
        val port = t.int("vllm_server_port") ?: 8000
        if (port !in 1..65535) throw ConfigException("${t.where("vllm_server_port")}: trl.vllm_server_port: expected a port in 1..65535, found $port")
        val timeout = t.double("vllm_server_timeout")?.takeIf { it != 0.0 } ?: 240.0 // Axolotl forwards it only if truthy
        if (timeout < 0) throw ConfigException("${t.where("vllm_server_timeout")}: trl.vllm_server_timeout: expected seconds > 0, found $timeout")
        val interval = t.int("vllm_sync_interval") ?: 1
        if (interval < 1) throw ConfigException("${t.where("vllm_sync_interval")}: trl.vllm_sync_interval: expected >= 1 (optimizer steps between syncs), found $interval")
        val loraSync = t.bool("vllm_lora_sync") ?: false
        if (loraSync && !hasAdapter) {
            throw ConfigException("${t.where("vllm_lora_sync")}: trl.vllm_lora_sync: true sends LoRA adapter files, but the model has no adapter (set adapter: lora)")
        }
        if (!loraSync && hasAdapter) {
            throw ConfigException("${t.where("use_vllm")}: trl.use_vllm with adapter: lora syncs the policy as adapter files: set trl.vllm_lora_sync: true " +
                "(sending merged full weights of a LoRA policy is not implemented)")
        }
        return Settings(host, port, timeout, interval, loraSync, t.where("use_vllm"))
    }
}
