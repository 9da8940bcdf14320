package dev.lathe.tests.cli

import dev.lathe.scripts.bench.BridgeBench
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import java.io.File

/** The bridge benchmark's two sides must time the same ops; a tiny run must produce positive times. */
class BenchBridgeSpec : StringSpec({
    "the Python peer times the same ops, in the same order" {
        val repo = File(System.getenv("LATHE_REPO") ?: error("LATHE_REPO is not set (surefire sets it)"))
        val peer = File(repo, "bench/bridge_peer.py").readText()
        val names = Regex("""^\s*\("([^"]+)",\s*"[^"]+"\),?\s*$""", RegexOption.MULTILINE).findAll(peer).map { it.groupValues[1] }.toList()
        names shouldBe BridgeBench.OPS
    }

    "a short Lathe-side run times every op" {
        val r = BridgeBench.run(iters = 200, rounds = 1, warmupNanos = 0)
        r.keys.toList() shouldBe BridgeBench.OPS
        for (v in r.values) v shouldBeGreaterThan 0.0
    }
})
