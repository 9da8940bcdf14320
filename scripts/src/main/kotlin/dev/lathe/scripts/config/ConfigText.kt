package dev.lathe.scripts.config

import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.nio.charset.StandardCharsets
import java.nio.file.Path

/**
 * A config file's bytes -> text, refusing what is not a UTF-8 text file with the line and byte that
 * show it (the JDK's own words for this are "Input length = 1").
 */
object ConfigText {
    fun decode(file: Path, bytes: ByteArray): String {
        val nul = bytes.indexOf(0)
        if (nul >= 0) throw ConfigException("$file:${lineAt(bytes, nul)}: expected a YAML text file, found a NUL byte at offset $nul (a binary file?)")
        val decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
        return try {
            decoder.decode(ByteBuffer.wrap(bytes)).toString().removePrefix("\uFEFF")
        } catch (e: CharacterCodingException) {
            val at = firstInvalid(bytes)
            throw ConfigException("$file:${lineAt(bytes, at)}: expected UTF-8 text, found byte 0x%02x at offset $at that is not UTF-8".format(bytes[at]))
        }
    }

    private fun firstInvalid(b: ByteArray): Int = dev.lathe.engine.io.Utf8.firstInvalid(b, 0, b.size).let { if (it < 0) 0 else it }

    private fun lineAt(b: ByteArray, offset: Int): Int {
        var line = 1
        for (i in 0 until offset) if (b[i] == '\n'.code.toByte()) line++
        return line
    }
}
