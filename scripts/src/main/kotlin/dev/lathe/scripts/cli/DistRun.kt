package dev.lathe.scripts.cli

import dev.lathe.engine.dist.GroupParallel
import dev.lathe.engine.dist.LocalRanks
import dev.lathe.engine.dist.ProcessGroup
import dev.lathe.engine.dist.Rendezvous
import dev.lathe.engine.train.RunResult
import dev.lathe.scripts.config.TrainConfig
import java.io.PrintStream

/** One rank of a data-parallel `lathe train`: joins the process group named by torchrun's variables, then trains. */
object DistRun {
    fun rank(cfg: TrainConfig, env: Map<String, String>, log: PrintStream = System.err): RunResult {
        val rv = Rendezvous.fromEnvironment(env, cfg.dist.timeout)
        // libtorch reads its thread count when first loaded: cores / local ranks unless LATHE_THREADS says otherwise
        if (env["LATHE_THREADS"].isNullOrBlank() && System.getProperty("lathe.threads") == null) {
            System.setProperty("lathe.threads", LocalRanks.threadsPerRank(rv.localWorld()).toString())
        }
        log.println("rank ${rv.rank()} of ${rv.world()}: joining ${rv.masterAddr()}:${rv.masterPort()} (${rv.backend()})")
        GroupParallel(ProcessGroup.connect(rv), cfg.dist.bucketBytes).use { dp ->
            cfg.loop.parallel = dp
            try {
                return ConfigRun.run(cfg, log)
            } finally {
                cfg.loop.parallel = dev.lathe.engine.train.DataParallel.SINGLE
            }
        }
    }
}
