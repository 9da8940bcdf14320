package dev.lathe.scripts.config

import dev.lathe.engine.dist.ProcessGroup
import dev.lathe.engine.dist.Rendezvous
import java.time.Duration

/** Data-parallel settings: how long a collective may wait for a peer, and the gradient bucket size. */
data class DistSettings(val timeout: Duration = Rendezvous.DEFAULT_TIMEOUT, val bucketBytes: Long = ProcessGroup.DEFAULT_BUCKET_BYTES)

/** Axolotl's ddp_* keys that mean the same for Lathe's c10d data parallelism; model parallelism is refused. */
object DistBinding {
    fun bind(top: ConfigNode): DistSettings {
        for (key in listOf("context_parallel_size", "sequence_parallel_degree")) {
            val n = top.raw(key) ?: continue
            if (!n.canConvertToInt()) top.fail(key, "an integer", n)
            if (n.asInt() > 1) throw ConfigException("${top.where(key)}: `$key: ${n.asInt()}` asks for context (sequence) parallelism, " +
                "which Lathe does not implement; remove it (or set 1) and scale out with data parallelism: --num-processes N or torchrun's variables")
        }
        val timeout = top.double("ddp_timeout")?.also { if (!(it > 0)) throw ConfigException("${top.where("ddp_timeout")}: ddp_timeout: expected seconds > 0, found $it") }
        val bucket = top.double("ddp_bucket_cap_mb")?.also { if (!(it > 0)) throw ConfigException("${top.where("ddp_bucket_cap_mb")}: ddp_bucket_cap_mb: expected megabytes > 0, found $it") }
        return DistSettings(
            timeout?.let { Duration.ofMillis((it * 1000).toLong()) } ?: Rendezvous.DEFAULT_TIMEOUT,
            bucket?.let { (it * (1 shl 20)).toLong() } ?: ProcessGroup.DEFAULT_BUCKET_BYTES)
    }
}
