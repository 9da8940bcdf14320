package dev.lathe.tests.io

import dev.lathe.engine.io.FormatException
import dev.lathe.engine.io.SafetensorsCheckpoint
import dev.lathe.engine.io.SafetensorsDtype
import dev.lathe.engine.io.SafetensorsFile
import dev.lathe.engine.io.SafetensorsTensors
import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensors
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files

class SafetensorsTensorSpec : StringSpec({
  val tmp = Files.createTempDirectory("st-tensor-spec")

  "tensors are written as their little-endian bytes and load back equal" {
    Scope.open().use {
      val w = Tensors.of(floatArrayOf(1f, -2f, 0.5f, 3f, 4f, 5f), 2, 3)
      val ids = Tensors.of(longArrayOf(7, -1), 2)
      val half = Tensors.of(floatArrayOf(1f, 2f), 2).to(DType.BF16)
      val f = tmp.resolve("t.safetensors")
      SafetensorsTensors.save(mapOf("w" to w.t(), "ids" to ids, "h" to half), f)
      SafetensorsFile.open(f).use { r ->
        r.entry("w").shape().toList() shouldBe listOf(3L, 2L) // written transposed, made contiguous
        val b = r.bytes("w")
        (0 until 6).map { b.getFloat(it * 4) } shouldBe listOf(1f, 3f, -2f, 4f, 0.5f, 5f)
        r.copy("h").toList() shouldBe listOf(0x80.toByte(), 0x3F, 0, 0x40) // bf16 1.0, 2.0
        r.entry("ids").dtype() shouldBe SafetensorsDtype.I64
      }
      SafetensorsCheckpoint.open(f).use { ck ->
        val all = SafetensorsTensors.loadAll(ck)
        all.keys.toList() shouldBe listOf("h", "ids", "w")
        all["w"]!!.toFloatArray().toList() shouldBe listOf(1f, 3f, -2f, 4f, 0.5f, 5f)
        all["ids"]!!.toLongArray().toList() shouldBe listOf(7L, -1L)
        all["h"]!!.dtype() shouldBe DType.BF16
        all["h"]!!.toFloatArray().toList() shouldBe listOf(1f, 2f)
        SafetensorsTensors.load(ck, listOf("ids")).keys shouldBe setOf("ids")
      }
    }
  }

  "sharded save and load through tensors" {
    Scope.open().use {
      val ts = (0 until 4).associate { "layers.$it.w" to Tensors.full(longArrayOf(4, 4), it.toDouble(), DType.F32) }
      val dir = tmp.resolve("sh")
      SafetensorsTensors.saveSharded(ts, dir, "model", 128).size shouldBe 3 // 2 shards of 2 x 64 bytes + index
      SafetensorsCheckpoint.open(dir).use { ck ->
        for (i in 0 until 4) SafetensorsTensors.load(ck, "layers.$i.w").toFloatArray().toSet() shouldBe setOf(i.toFloat())
      }
    }
  }

  "a dtype libtorch lacks is an error naming file and tensor" {
    val f = rawSafetensors(tmp, "u16.safetensors", """{"x":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}""", ByteArray(2))
    SafetensorsCheckpoint.open(f).use { ck ->
      val e = shouldThrow<FormatException> { SafetensorsTensors.load(ck, "x") }
      e.message shouldContain "u16.safetensors"
      e.message shouldContain "tensor 'x' has dtype U16"
    }
  }
})
