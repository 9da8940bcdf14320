package dev.lathe.scripts.host

import java.io.File
import java.security.MessageDigest
import java.util.jar.JarFile

/**
 * The classpath scripts compile against: this JVM's classpath (manifest-only launcher jars,
 * as Surefire writes them, expanded) minus the Kotlin compiler itself, which scripts never
 * call and which would only slow the compiler's own class lookup.
 */
object ScriptClasspath {
    private val HOST_ONLY = listOf("kotlin-compiler-embeddable", "kotlin-scripting-compiler", "kotlin-daemon")

    val entries: List<File> by lazy { expand(System.getProperty("java.class.path").orEmpty()) }

    val forScripts: List<File> by lazy { entries.filter { f -> HOST_ONLY.none { f.name.startsWith(it) } } }

    /**
     * A fingerprint of the classpath by path, size and mtime of every entry (every file of a
     * directory entry): it changes whenever the project is rebuilt, so compiled scripts
     * cached under it never run against classes they were not compiled with.
     */
    val fingerprint: String by lazy {
        val md = MessageDigest.getInstance("SHA-256")
        for (f in forScripts) {
            if (f.isDirectory) {
                f.walkTopDown().filter { it.isFile }.sortedBy { it.path }.forEach { md.update(stamp(it)) }
            } else {
                md.update(stamp(f))
            }
        }
        md.digest().joinToString("") { "%02x".format(it) }.take(16)
    }

    private fun stamp(f: File) = "${f.path}|${f.length()}|${f.lastModified()}\n".toByteArray()

    private fun expand(cp: String): List<File> {
        val out = LinkedHashSet<File>()
        for (p in cp.split(File.pathSeparator).filter { it.isNotBlank() }) {
            val f = File(p).absoluteFile
            if (!f.exists()) continue
            out += f
            if (f.isFile && f.name.endsWith(".jar")) out += manifestClassPath(f)
        }
        return out.toList()
    }

    /** The Class-Path attribute of a jar's manifest (relative to the jar, space separated URLs). */
    private fun manifestClassPath(jar: File): List<File> = runCatching {
        JarFile(jar).use { jf ->
            val cp = jf.manifest?.mainAttributes?.getValue("Class-Path") ?: return emptyList()
            cp.split(' ').filter { it.isNotBlank() }.map { entry ->
                val uri = jar.parentFile.toURI().resolve(entry)
                File(uri).absoluteFile
            }.filter { it.exists() }
        }
    }.getOrDefault(emptyList())
}
