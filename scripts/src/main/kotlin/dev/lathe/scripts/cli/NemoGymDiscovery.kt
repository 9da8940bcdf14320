package dev.lathe.scripts.cli

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory
import dev.lathe.engine.remote.JsonHttp
import dev.lathe.engine.remote.RemoteException
import java.io.PrintStream
import java.time.Duration

/**
 * NeMo Gym discovery through the head server (ebft-nemogym.md §B.2, §B.6): GET /global_config_dict_yaml answers a
 * JSON string literal whose value is the YAML dump of the global config; its resources servers give the /verify
 * URLs and its agents the /run URLs. Unlike Axolotl, a resources server is found under its top-level name and,
 * when unambiguous, its inner name (Axolotl's two reward functions key by one or the other), and a server whose
 * host is 0.0.0.0 or :: (bind-all addresses) is reached on 127.0.0.1. YAML lives here, in scripts, not in engine.
 */
object NemoGymDiscovery {
    private val JSON = ObjectMapper()
    private val YAML = ObjectMapper(YAMLFactory())

    /** Servers by name: resources-server name -> http://host:port/verify, agent top-level name -> http://host:port. */
    class Servers(val verifyUrls: Map<String, String>, val agents: Map<String, String>, val resources: Map<String, String>)

    fun headUrl(port: Int) = "http://127.0.0.1:$port"

    /** Reads the head server's config; a head that is not there is an error saying how to start NeMo Gym. */
    fun discover(port: Int, timeout: Duration, configPaths: List<String>, log: PrintStream): Servers {
        val url = headUrl(port) + "/global_config_dict_yaml"
        val http = JsonHttp(Duration.ofSeconds(5))
        var last: RemoteException? = null
        for (attempt in 1..3) {
            try {
                val reply = http.get(url, minOf(timeout, Duration.ofSeconds(30)))
                if (!reply.ok()) throw RemoteException("$url answered HTTP ${reply.status()}: ${reply.body().take(200)}", reply.status(), null)
                return parse(reply.body(), url).also {
                    log.println("nemo_gym: head $url: resources servers ${it.resources}, agents ${it.agents}")
                }
            } catch (e: RemoteException) {
                last = e
                if (e.message?.contains("connection refused") == true) break // nothing listens: retrying will not help
                Thread.sleep(2000L * attempt)
            }
        }
        val start = if (configPaths.isEmpty()) "ng_run \"+config_paths=[...]\"" else "ng_run \"+config_paths=[${configPaths.joinToString(",")}]\""
        throw IllegalStateException("nemo_gym_head_port $port: no NeMo Gym head server answered at $url (${last?.message}). " +
            "Lathe does not launch NeMo Gym: start its servers first (cd to the Gym folder and run $start), then train", last)
    }

    /** The head's body (a JSON string holding YAML; a plain JSON or YAML mapping is accepted too) -> servers. */
    fun parse(body: String, where: String): Servers {
        val cfg: JsonNode = try {
            val outer = runCatching { JSON.readTree(body) }.getOrNull()
            if (outer != null && outer.isTextual) YAML.readTree(outer.asText()) else outer ?: YAML.readTree(body)
        } catch (e: Exception) {
            throw IllegalArgumentException("$where: the global config is neither a JSON string holding YAML nor a mapping: ${e.message}")
        }
        if (cfg == null || !cfg.isObject) throw IllegalArgumentException("$where: expected the global config mapping, found ${cfg?.nodeType}")
        val verify = LinkedHashMap<String, String>()
        val byInner = LinkedHashMap<String, MutableSet<String>>()
        val resources = LinkedHashMap<String, String>()
        val agents = LinkedHashMap<String, String>()
        for ((top, v) in cfg.properties()) {
            if (!v.isObject) continue
            for ((inner, s) in v.path("resources_servers").properties()) {
                val base = base(s) ?: throw IllegalArgumentException("$where: resources server $top.resources_servers.$inner has no port")
                verify.putIfAbsent(top, "$base/verify")
                resources.putIfAbsent(top, base)
                byInner.getOrPut(inner) { linkedSetOf() } += "$base/verify"
            }
            for ((_, s) in v.path("responses_api_agents").properties()) base(s)?.let { agents.putIfAbsent(top, it) }
        }
        for ((inner, urls) in byInner) if (urls.size == 1 && inner !in verify) verify[inner] = urls.first()
        return Servers(verify, agents, resources)
    }

    private fun base(s: JsonNode): String? {
        val port = s.path("port")
        if (!port.canConvertToInt() || port.isMissingNode || port.isNull) return null
        val host = s.path("host").asText("127.0.0.1").let { if (it.isBlank() || it == "0.0.0.0" || it == "::") "127.0.0.1" else it }
        return "http://$host:${port.asInt()}"
    }

    /** Waits until every resources server answers GET / (any HTTP status), as Axolotl's register does, up to [timeout]. */
    fun awaitResources(servers: Servers, timeout: Duration, log: PrintStream) = await(servers.resources, "resources server", timeout, log)

    /** Waits until every server of [urls] (name -> base URL) answers GET / with any HTTP status, up to [timeout] in all. */
    fun await(urls: Map<String, String>, kind: String, timeout: Duration, log: PrintStream) {
        val http = JsonHttp(Duration.ofSeconds(2))
        val deadline = System.nanoTime() + timeout.toNanos()
        for ((name, base) in urls) {
            while (true) {
                val err = try { http.get("$base/", Duration.ofSeconds(2)); null } catch (e: RemoteException) { e }
                if (err == null) break
                if (System.nanoTime() > deadline) {
                    throw IllegalStateException("nemo_gym_server_timeout: $kind '$name' at $base did not answer within ${timeout.toSeconds()} s: ${err.message}")
                }
                log.println("nemo_gym: waiting for $kind '$name' at $base ...")
                Thread.sleep(500)
            }
        }
    }
}
