package dev.lathe.tests.cli

import java.io.ByteArrayOutputStream
import java.io.PrintStream

/** Runs [body] with System.out redirected; returns what it printed and the body's result. */
fun <T> captureStdout(body: () -> T): Pair<String, T> {
    val old = System.out
    val buf = ByteArrayOutputStream()
    val ps = PrintStream(buf, true, Charsets.UTF_8)
    System.setOut(ps)
    try {
        val r = body()
        ps.flush()
        return buf.toString(Charsets.UTF_8) to r
    } finally {
        System.setOut(old)
    }
}

/** A PrintStream into a buffer, and a way to read it back. */
class Buffer {
    private val bytes = ByteArrayOutputStream()
    val stream = PrintStream(bytes, true, Charsets.UTF_8)
    override fun toString(): String = bytes.toString(Charsets.UTF_8)
}
