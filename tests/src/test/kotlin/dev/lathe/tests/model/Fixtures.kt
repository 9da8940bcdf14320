package dev.lathe.tests.model

import dev.lathe.engine.model.DecoderBuilder
import dev.lathe.engine.io.SafetensorsFile
import dev.lathe.engine.io.SafetensorsDtype
import dev.lathe.engine.model.DecoderSpec
import dev.lathe.engine.nn.RopeSpec
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import java.nio.file.Path

/** Shared helpers of the model specs: fixture folders, raw safetensors reads, tiny specs. */
object Fixtures {
    val repo: Path = Path.of(System.getenv("LATHE_REPO") ?: "..")
    fun model(name: String): Path = repo.resolve("tests/fixtures/models/$name")

    /** Every tensor of a safetensors file (F32 or I64), owned by the current scope. */
    fun tensors(file: Path): Map<String, Tensor> = SafetensorsFile.open(file).use { f ->
        f.entries().associate { e ->
            val dt = when (e.dtype()) {
                SafetensorsDtype.F32 -> DType.F32
                SafetensorsDtype.I64 -> DType.I64
                else -> error("fixture dtype ${e.dtype()}")
            }
            e.name() to Tensors.fromBuffer(f.bytes(e.name()), dt, *e.shape())
        }
    }

    fun maxDiff(a: Tensor, b: Tensor): Double = a.sub(b).abs().max().item()

    fun <T> scoped(body: () -> T): T = Scope.open().use { body() }

    /** A tiny Llama with GQA for behaviour specs (weights set by the caller). */
    fun tinySpec(type: String = "llama", tied: Boolean = false, labels: Int = 0): DecoderSpec =
        DecoderBuilder.of(type, 50, 32, 40, 2, 4, 2).maxPositions(128).rope(RopeSpec.plain(10000.0)).tieEmbeddings(tied)
            .labels(labels).padTokenId(0).build()
}
