package dev.lathe.tests.cli

import dev.lathe.scripts.host.ScriptClasspath
import java.io.File
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/** What a child `lathe` JVM printed and how it exited. */
class ProcessResult(val exitCode: Int, val stdout: String, val stderr: String) {
    override fun toString() = "exit $exitCode\n--- stdout\n$stdout\n--- stderr\n$stderr"
}

/**
 * Runs the CLI (`dev.lathe.scripts.MainKt`) in a fresh JVM on this JVM's classpath: what a user's
 * `./lathe ARGS` does after the launcher's build. A fresh JVM matters where state differs per start
 * (hash salts of immutable collections, libtorch's generator) or where the exit code is the point.
 */
object LatheProcess {
    fun run(vararg args: String, dir: Path? = null, env: Map<String, String> = emptyMap(), timeoutSeconds: Long = 300): ProcessResult {
        val java = Path.of(System.getProperty("java.home"), "bin", "java").toString()
        val cp = ScriptClasspath.entries.joinToString(File.pathSeparator) { it.path }
        val cmd = listOf(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss8m",
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, "dev.lathe.scripts.MainKt") + args
        val pb = ProcessBuilder(cmd)
        dir?.let { pb.directory(it.toFile()) }
        pb.environment().putAll(env)
        val err = File.createTempFile("lathe-child", ".err")
        val out = File.createTempFile("lathe-child", ".out")
        pb.redirectError(err).redirectOutput(out).redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
        val p = pb.start()
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            error("lathe ${args.joinToString(" ")} did not finish in $timeoutSeconds s")
        }
        return ProcessResult(p.exitValue(), out.readText(), err.readText()).also { out.delete(); err.delete() }
    }
}
