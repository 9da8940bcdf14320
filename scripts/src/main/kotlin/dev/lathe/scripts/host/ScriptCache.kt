package dev.lathe.scripts.host

import java.io.File
import java.security.MessageDigest
import kotlin.script.experimental.api.CompiledScript
import kotlin.script.experimental.api.ScriptCompilationConfiguration
import kotlin.script.experimental.api.SourceCode
import kotlin.script.experimental.jvm.CompiledJvmScriptsCache
import kotlin.script.experimental.jvmhost.CompiledScriptJarsCache

/**
 * Compiled scripts as jars under `root/<classpath fingerprint>/<script hash>.jar`. The
 * fingerprint covers the classpath's contents (not only its paths), so a rebuild never reuses
 * a stale compiled script; the script hash covers its text, its location (error messages name
 * it) and the default imports. Folders of older fingerprints are pruned after a week unused.
 */
class ScriptCache(root: File) : CompiledJvmScriptsCache {
    private val dir = File(root, ScriptClasspath.fingerprint)
    private val jars = CompiledScriptJarsCache { source, _ -> File(dir, key(source) + ".jar") }

    init {
        prune(root)
    }

    override fun get(script: SourceCode, scriptCompilationConfiguration: ScriptCompilationConfiguration): CompiledScript? =
        runCatching { jars.get(script, scriptCompilationConfiguration) }.getOrNull()

    override fun store(compiledScript: CompiledScript, script: SourceCode, scriptCompilationConfiguration: ScriptCompilationConfiguration) {
        dir.mkdirs()
        // write under a temporary name and rename, so a concurrent run never loads half a jar
        val target = File(dir, key(script) + ".jar")
        val tmp = File(dir, key(script) + ".tmp" + ProcessHandle.current().pid())
        CompiledScriptJarsCache { _, _ -> tmp }.store(compiledScript, script, scriptCompilationConfiguration)
        if (!tmp.renameTo(target)) tmp.delete()
    }

    private fun key(source: SourceCode): String {
        val md = MessageDigest.getInstance("SHA-256")
        md.update(source.text.toByteArray())
        md.update(0)
        md.update((source.locationId ?: source.name ?: "").toByteArray())
        md.update(0)
        md.update(DefaultImports.ALL.joinToString("\n").toByteArray())
        return md.digest().joinToString("") { "%02x".format(it) }.take(24)
    }

    private fun prune(root: File) {
        val weekAgo = System.currentTimeMillis() - 7L * 24 * 3600 * 1000
        root.listFiles()?.filter { it.isDirectory && it.name != dir.name && it.lastModified() < weekAgo }
            ?.forEach { it.deleteRecursively() }
        if (dir.isDirectory) dir.setLastModified(System.currentTimeMillis())
    }

    companion object {
        /** LATHE_CACHE, else .lathe-cache in the repository (LATHE_REPO), else ~/.cache/lathe. */
        fun defaultRoot(): File {
            System.getenv("LATHE_CACHE")?.takeIf { it.isNotBlank() }?.let { return File(it, "scripts") }
            System.getenv("LATHE_REPO")?.takeIf { it.isNotBlank() }?.let { return File(it, ".lathe-cache/scripts") }
            return File(System.getProperty("user.home"), ".cache/lathe/scripts")
        }
    }
}
