package dev.lathe.tests.io

import dev.lathe.engine.io.FormatException
import dev.lathe.engine.io.SafetensorsCheckpoint
import dev.lathe.engine.io.SafetensorsDtype
import dev.lathe.engine.io.SafetensorsFile
import dev.lathe.engine.io.SafetensorsWriter
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path

/** Little-endian bytes of a u64, written out digit by digit rather than through ByteBuffer. */
private fun u64le(n: Long): ByteArray = ByteArray(8) { i -> ((n ushr (8 * i)) and 0xff).toByte() }

/** A safetensors file assembled by hand from the published layout: u64 LE length, header, data. */
internal fun rawSafetensors(dir: Path, name: String, header: String, data: ByteArray, lengthOverride: Long? = null): Path {
  val h = header.toByteArray(Charsets.UTF_8)
  val f = dir.resolve(name)
  Files.write(f, u64le(lengthOverride ?: h.size.toLong()) + h + data)
  return f
}

private fun bytesOf(buf: ByteBuffer): ByteArray = ByteArray(buf.remaining()).also { buf.duplicate().get(it) }

class SafetensorsSpec : StringSpec({
  val tmp = Files.createTempDirectory("st-spec")

  "reads a file assembled byte by byte from the format description" {
    // 1.5f = 0x3FC00000, -2.0f = 0xC0000000, little-endian; int64 7
    val data = byteArrayOf(0, 0, 0xC0.toByte(), 0x3F, 0, 0, 0, 0xC0.toByte(), 7, 0, 0, 0, 0, 0, 0, 0)
    val header = """{"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"""
    SafetensorsFile.open(rawSafetensors(tmp, "hand.safetensors", header, data)).use { f ->
      f.names() shouldContainExactly listOf("a", "b")
      val a = f.entry("a")
      a.dtype() shouldBe SafetensorsDtype.F32
      a.shape().toList() shouldBe listOf(2L)
      a.fileOffset() shouldBe 8L + header.length
      val fa = f.bytes("a")
      fa.getFloat(0) shouldBe 1.5f
      fa.getFloat(4) shouldBe -2.0f
      f.entry("b").shape().size shouldBe 0
      f.bytes("b").getLong(0) shouldBe 7L
      f.metadata() shouldBe emptyMap()
      shouldThrow<java.nio.ReadOnlyBufferException> { f.bytes("a").put(0, 1) }
    }
  }

  "writes the header byte-exact in the reference order, padded to 8 bytes" {
    val w = SafetensorsWriter()
    w.add("z.bool", SafetensorsDtype.BOOL, longArrayOf(3), byteArrayOf(1, 0, 1))
    w.add("b.f32", SafetensorsDtype.F32, longArrayOf(1), byteArrayOf(0, 0, 0x80.toByte(), 0x3F))
    w.add("a.f32", SafetensorsDtype.F32, longArrayOf(1, 1), byteArrayOf(0, 0, 0, 0x40))
    w.add("c.i64", SafetensorsDtype.I64, longArrayOf(1), u64le(-3))
    w.add("d.bf16", SafetensorsDtype.BF16, longArrayOf(2), byteArrayOf(0x80.toByte(), 0x3F, 0, 0x40))
    val f = tmp.resolve("order.safetensors")
    w.write(f)
    val expected = """{"__metadata__":{"format":"pt"},""" +
      """"c.i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},""" +
      """"a.f32":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]},""" +
      """"b.f32":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},""" +
      """"d.bf16":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]},""" +
      """"z.bool":{"dtype":"BOOL","shape":[3],"data_offsets":[20,23]}}"""
    val padded = expected + " ".repeat((8 - expected.length % 8) % 8)
    val raw = Files.readAllBytes(f)
    raw.copyOfRange(0, 8).toList() shouldBe u64le(padded.length.toLong()).toList()
    String(raw, 8, padded.length, Charsets.UTF_8) shouldBe padded
    (8 + padded.length) % 8 shouldBe 0
    raw.copyOfRange(8 + padded.length, raw.size).toList() shouldBe
      (u64le(-3) + byteArrayOf(0, 0, 0, 0x40) + byteArrayOf(0, 0, 0x80.toByte(), 0x3F) +
        byteArrayOf(0x80.toByte(), 0x3F, 0, 0x40) + byteArrayOf(1, 0, 1)).toList()
    Files.list(tmp).use { s -> s.filter { it.fileName.toString().contains(".tmp-") }.count() } shouldBe 0L
  }

  "round-trips every dtype bytes-exact" {
    val rnd = java.util.Random(7)
    val w = SafetensorsWriter()
    val want = mutableMapOf<String, ByteArray>()
    for ((i, dt) in SafetensorsDtype.entries.withIndex()) {
      val shape = longArrayOf(2, (i % 3 + 1).toLong())
      val bytes = ByteArray((shape[0] * shape[1]).toInt() * dt.byteSize()).also { rnd.nextBytes(it) }
      want["t$i.${dt.name}"] = bytes
      w.add("t$i.${dt.name}", dt, shape, bytes)
    }
    w.add("empty", SafetensorsDtype.F32, longArrayOf(0, 4), ByteArray(0))
    val f = tmp.resolve("all.safetensors")
    w.write(f)
    SafetensorsFile.open(f).use { r ->
      r.metadata() shouldBe mapOf("format" to "pt")
      for ((name, bytes) in want) {
        r.copy(name).toList() shouldBe bytes.toList()
        r.entry(name).dtype().name shouldBe name.substringAfter('.')
      }
      r.copy("empty").size shouldBe 0
      r.entry("empty").shape().toList() shouldBe listOf(0L, 4L)
    }
  }

  "writes shards with an index above the threshold and reads them back" {
    val dir = tmp.resolve("sharded")
    val w = SafetensorsWriter()
    val want = (0 until 5).associate { i ->
      val b = ByteArray(40) { (it * 3 + i).toByte() }
      w.add("layer.$i.weight", SafetensorsDtype.F32, longArrayOf(10), b)
      "layer.$i.weight" to b
    }
    val files = w.writeSharded(dir, "model", 100)
    files.map { it.fileName.toString() } shouldContainExactly listOf(
      "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
      "model-00003-of-00003.safetensors", "model.safetensors.index.json")
    val index = Files.readString(dir.resolve("model.safetensors.index.json"))
    index shouldContain "\"total_size\": 200"
    index shouldContain "\"layer.4.weight\": \"model-00003-of-00003.safetensors\""
    SafetensorsCheckpoint.open(dir).use { ck ->
      ck.names() shouldContainExactly want.keys.sorted()
      for ((n, b) in want) ck.copy(n).toList() shouldBe b.toList()
      ck.files().size shouldBe 3
    }
  }

  "below the threshold writes one model.safetensors" {
    val dir = tmp.resolve("single")
    val w = SafetensorsWriter().add("w", SafetensorsDtype.F16, longArrayOf(2), byteArrayOf(0, 0x3C, 0, 0x40))
    w.writeSharded(dir, "model", 1 shl 20).map { it.fileName.toString() } shouldBe listOf("model.safetensors")
    SafetensorsCheckpoint.open(dir).use { ck ->
      val b = ck.bytes("w").order(ByteOrder.LITTLE_ENDIAN)
      b.getShort(0) shouldBe 0x3C00.toShort()
      b.getShort(2) shouldBe 0x4000.toShort()
    }
  }

  "a buffer used after close fails cleanly instead of crashing" {
    val f = rawSafetensors(tmp, "closed.safetensors", """{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}""", ByteArray(8) { it.toByte() })
    val buf = SafetensorsFile.open(f).use { it.bytes("a") }
    shouldThrow<IllegalStateException> { buf.get(3) }
  }

  fun malformed(name: String, header: String, data: ByteArray, lengthOverride: Long? = null): String {
    val f = rawSafetensors(tmp, name, header, data, lengthOverride)
    val e = shouldThrow<FormatException> { SafetensorsFile.open(f).close() }
    e.message shouldContain name
    return e.message!!
  }

  "malformed: header length beyond the file" {
    malformed("len.safetensors", """{}""", ByteArray(0), lengthOverride = 1000) shouldContain "exceeds the file size"
  }

  "malformed: a file shorter than the length prefix" {
    val f = tmp.resolve("short.safetensors")
    Files.write(f, byteArrayOf(1, 2, 3))
    shouldThrow<FormatException> { SafetensorsFile.open(f) }.message shouldContain "too short"
  }

  "malformed: header that is not JSON" {
    malformed("json.safetensors", """{"a": {"dtype": "F32",""", ByteArray(0)) shouldContain "not valid JSON"
  }

  "malformed: offsets outside the data" {
    val m = malformed("outside.safetensors", """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", ByteArray(8))
    m shouldContain "'w'"
    m shouldContain "outside the data section of 8 bytes"
  }

  "malformed: size not matching dtype x shape" {
    val m = malformed("size.safetensors", """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", ByteArray(8))
    m shouldContain "'w'"
    m shouldContain "needs 12 bytes"
  }

  "malformed: overlapping tensors" {
    val m = malformed("overlap.safetensors",
      """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", ByteArray(12))
    m shouldContain "'a' and 'b' overlap"
  }

  "malformed: unknown dtype" {
    val m = malformed("dtype.safetensors", """{"q":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}}""", ByteArray(1))
    m shouldContain "tensor 'q' has unknown dtype 'F7'"
    m shouldContain "BF16"
  }

  "malformed: bytes that belong to no tensor" {
    malformed("hole.safetensors", """{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}""", ByteArray(4)) shouldContain "belong to no tensor"
    malformed("tail.safetensors", """{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}""", ByteArray(5)) shouldContain "trailing bytes"
  }

  "malformed: missing fields and duplicate names" {
    malformed("noshape.safetensors", """{"a":{"dtype":"U8","data_offsets":[0,2]}}""", ByteArray(2)) shouldContain "'shape' must be"
    malformed("dup.safetensors",
      """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", ByteArray(2)) shouldContain "Duplicate field 'a'"
  }

  "an index naming a missing shard or tensor is an error naming the index and the tensor" {
    val dir = tmp.resolve("badindex")
    Files.createDirectories(dir)
    rawSafetensors(dir, "s1.safetensors", """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", ByteArray(1))
    Files.writeString(dir.resolve("model.safetensors.index.json"), """{"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}}""")
    val e = shouldThrow<FormatException> { SafetensorsCheckpoint.open(dir) }
    e.message shouldContain "model.safetensors.index.json"
    e.message shouldContain "'b' in s2.safetensors"
    Files.writeString(dir.resolve("model.safetensors.index.json"), """{"weight_map":{"c":"s1.safetensors"}}""")
    shouldThrow<FormatException> { SafetensorsCheckpoint.open(dir) }.message shouldContain "no such tensor"
  }

  "the writer rejects bytes that do not match dtype x shape" {
    shouldThrow<IllegalArgumentException> {
      SafetensorsWriter().add("x", SafetensorsDtype.I32, longArrayOf(2), ByteArray(7))
    }.message shouldContain "needs 8 bytes, got 7"
  }
})
