package dev.lathe.scripts.config

import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.node.ObjectNode

/**
 * One mapping of a config (the top level, a dataset entry, the trl: block) read key by key. Every
 * accessor records its key as known, read or not; after binding, {@link #leftovers} are the keys
 * nobody asked for: unknown (an error) unless listed as an Axolotl key with no meaning here (a warning).
 * A key whose value is null (`key:` with nothing after it) counts as absent, as in Axolotl.
 */
class ConfigNode(val doc: YamlDoc, val path: String, val node: ObjectNode) {
    private val known = LinkedHashSet<String>()

    fun knownKeys(): Set<String> = known

    private fun full(key: String) = if (path.isEmpty()) key else "$path.$key"

    fun where(key: String): String = doc.where(full(key)).let { w -> if (doc.lineOf(full(key)) == null) doc.where(path) else w }

    fun fail(key: String, expected: String, found: JsonNode?): Nothing =
        throw ConfigException("${where(key)}: key `${full(key)}`: expected $expected, found ${found?.let { YamlDoc.kind(it) } ?: "nothing"}")

    fun raw(key: String): JsonNode? {
        known += key
        val v = node.get(key)
        return if (v == null || v.isNull) null else v
    }

    fun has(key: String): Boolean = raw(key) != null

    fun string(key: String): String? = raw(key)?.let { if (it.isValueNode) it.asText() else fail(key, "a string", it) }

    /** A finite number: 1e400 (which overflows to Infinity), .nan and .inf are refused, as no key means them. */
    fun double(key: String): Double? = raw(key)?.let {
        val d = when {
            it.isNumber -> it.asDouble()
            it.isTextual && it.asText().trim().toDoubleOrNull() != null -> it.asText().trim().toDouble() // YAML reads 1e-5 as text
            else -> fail(key, "a number", it)
        }
        if (!d.isFinite()) fail(key, "a finite number", it)
        d
    }

    fun long(key: String): Long? = raw(key)?.let {
        when {
            it.isIntegralNumber -> it.asLong()
            it.isNumber && it.asDouble().isFinite() && it.asDouble() == Math.rint(it.asDouble()) -> it.asDouble().toLong()
            it.isTextual && it.asText().trim().toLongOrNull() != null -> it.asText().trim().toLong()
            else -> fail(key, "a whole number", it)
        }
    }

    fun int(key: String): Int? = long(key)?.let { if (it in Int.MIN_VALUE..Int.MAX_VALUE) it.toInt() else fail(key, "a whole number that fits an int", raw(key)) }

    fun bool(key: String): Boolean? = raw(key)?.let {
        when {
            it.isBoolean -> it.asBoolean()
            it.isTextual && it.asText().lowercase() in setOf("true", "false") -> it.asText().lowercase() == "true"
            else -> fail(key, "true or false", it)
        }
    }

    /** A list of strings; a single string is accepted as a one-element list (Axolotl does the same). */
    fun stringList(key: String): List<String>? = raw(key)?.let { v ->
        when {
            v.isArray -> v.mapIndexed { i, e -> if (e.isValueNode && !e.isNull) e.asText() else fail("$key[$i]", "a string", e) }
            v.isValueNode -> listOf(v.asText())
            else -> fail(key, "a string or a list of strings", v)
        }
    }

    fun doubleList(key: String): List<Double>? = raw(key)?.let { v ->
        val items = if (v.isArray) v.toList() else listOf(v)
        items.mapIndexed { i, e ->
            val d = if (e.isNumber) e.asDouble() else e.asText().trim().toDoubleOrNull() ?: fail("$key[$i]", "a number", e)
            if (!d.isFinite()) fail("$key[$i]", "a finite number", e)
            d
        }
    }

    fun obj(key: String): ConfigNode? = raw(key)?.let { if (it is ObjectNode) ConfigNode(doc, full(key), it) else fail(key, "a mapping", it) }

    /** A list of mappings (e.g. datasets:). */
    fun objList(key: String): List<ConfigNode>? = raw(key)?.let { v ->
        if (!v.isArray) fail(key, "a list of mappings", v)
        v.mapIndexed { i, e -> if (e is ObjectNode) ConfigNode(doc, "${full(key)}[$i]", e) else fail("$key[$i]", "a mapping", e) }
    }

    /** A mapping of string to string (e.g. message_property_mappings). */
    fun stringMap(key: String): Map<String, String>? = obj(key)?.let { m ->
        m.node.properties().associate { (k, v) -> k to (if (v.isValueNode && !v.isNull) v.asText() else m.fail(k, "a string", v)) }
    }

    /** Keys present (non-null) that no accessor asked for. */
    fun leftovers(): List<String> = node.properties().map { it.key }.filter { it !in known && !node.get(it).isNull }

    /** Same as leftovers but includes null-valued keys (they are still typos when unknown). */
    fun unknownKeys(): List<String> = node.properties().map { it.key }.filter { it !in known }

    fun lineKey(key: String) = full(key)
}
