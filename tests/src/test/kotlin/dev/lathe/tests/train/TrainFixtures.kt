package dev.lathe.tests.train

import dev.lathe.engine.nn.Module
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import dev.lathe.engine.train.BatchSource
import dev.lathe.engine.train.StepFunction
import dev.lathe.engine.train.StepOutput
import dev.lathe.engine.train.TensorFile
import dev.lathe.engine.train.Trainable
import java.nio.file.Files
import java.nio.file.Path

/** The repository root (surefire sets LATHE_REPO; falls back to the working directory's parent). */
fun repoRoot(): Path = System.getenv("LATHE_REPO")?.let { Path.of(it) } ?: Path.of("..").toAbsolutePath().normalize()

/** A two-layer MLP with optional dropout: small enough for fast loop tests, random enough to need the RNG. */
class Mlp(inDim: Long, hidden: Long, private val dropout: Double = 0.0) : Module() {
    val w1: Tensor
    val b1: Tensor
    val w2: Tensor

    init {
        Scope.open().use { s ->
            w1 = param("fc1.weight", s.keep(Tensors.randn(hidden, inDim).mul(0.3)))
            b1 = param("fc1.bias", s.keep(Tensors.zeros(hidden)))
            w2 = param("fc2.weight", s.keep(Tensors.randn(1, hidden).mul(0.3)))
        }
    }

    /** [b, in] -> [b] */
    fun forward(x: Tensor): Tensor = x.linear(w1, b1).relu().dropout(dropout, isTraining).linear(w2, null).squeeze(1)
}

/** Regression rows: x [n, d] standard normal, y = sum(x) > 0 as +-1. */
class RegressionRows(n: Int, d: Int, seed: Long) : BatchSource<IntArray>, AutoCloseable {
    private val owned = Scope.detached()
    val x: Tensor
    val y: Tensor

    init {
        Runtime.seed(seed)
        Scope.open().use { s ->
            x = owned.own(s.keep(Tensors.randn(n.toLong(), d.toLong())))
            y = owned.own(s.keep(x.sum(1, false).sign()))
        }
    }

    override fun size(): Int = x.size(0).toInt()
    override fun batch(rows: IntArray): IntArray = rows
    override fun close() = owned.close()
}

/** Mean squared error of the MLP on the rows; poison lists rows whose loss becomes NaN. */
fun mseStep(m: Mlp, data: RegressionRows, poison: Set<Int> = emptySet()): StepFunction<IntArray> = StepFunction { rows, _ ->
    val idx = Tensors.of(rows.map { it.toLong() }.toLongArray())
    val pred = m.forward(data.x.index(idx))
    var loss = pred.sub(data.y.index(idx)).pow(2.0).mean()
    if (rows.any { it in poison }) loss = loss.mul(Double.NaN)
    StepOutput(loss, mapOf("pred_mean" to pred.mean().item()))
}

/** Saves/loads the MLP's parameters as model.safetensors. */
fun mlpTrainable(m: Mlp): Trainable = Trainable.of(m,
    { mod, dir -> TensorFile.save(mod.stateDict(), dir.resolve("model.safetensors")) },
    { mod, dir -> Scope.open().use { TensorFile.load(dir.resolve("model.safetensors")).forEach { (k, v) -> mod.load(k, v) } } })

fun tempDir(prefix: String): Path = Files.createTempDirectory(prefix)
