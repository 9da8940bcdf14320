package dev.lathe.scripts.config

import com.fasterxml.jackson.core.JsonToken
import com.fasterxml.jackson.databind.JsonNode
import com.fasterxml.jackson.databind.ObjectMapper
import com.fasterxml.jackson.databind.node.ObjectNode
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory
import java.nio.file.Files
import java.nio.file.Path

/**
 * A YAML config file as a tree plus the line of every key, so errors can say "config.yml:12".
 * Jackson's tree drops locations, so one extra streaming pass records them by key path
 * ("datasets[0].type").
 */
class YamlDoc private constructor(val file: Path, val root: ObjectNode, private val lines: Map<String, Int>) {
    /** The 1-based line of a key path, or null (e.g. for a key that is absent). */
    fun lineOf(path: String): Int? = lines[path]

    /** "config.yml:12" or "config.yml" when the line is unknown. */
    fun where(path: String): String = lineOf(path)?.let { "$file:$it" } ?: "$file"

    companion object {
        private val factory = YAMLFactory()
        private val mapper = ObjectMapper(factory)

        fun read(file: Path): YamlDoc {
            if (!Files.isRegularFile(file)) throw ConfigException("$file: no such config file")
            return parse(file, ConfigText.decode(file, Files.readAllBytes(file)))
        }

        fun parse(file: Path, text: String): YamlDoc {
            val lines: Map<String, Int>
            val tree: JsonNode = try {
                lines = keyLines(file, text)
                mapper.readTree(text) ?: mapper.createObjectNode()
            } catch (e: ConfigException) {
                throw e
            } catch (e: Exception) {
                val loc = (e as? com.fasterxml.jackson.core.JsonProcessingException)?.location
                    ?: (e.cause as? com.fasterxml.jackson.core.JsonProcessingException)?.location
                val line = loc?.lineNr ?: Regex("line (\\d+)").find(e.message ?: "")?.groupValues?.get(1)?.toInt()
                throw ConfigException("$file${line?.let { ":$it" } ?: ""}: not valid YAML: ${e.message?.lineSequence()?.first()}")
            }
            if (tree.isMissingNode || tree.isNull) return YamlDoc(file, mapper.createObjectNode(), emptyMap())
            if (tree !is ObjectNode) throw ConfigException("$file: expected a mapping of config keys at the top level, found ${kind(tree)}")
            return YamlDoc(file, tree, lines)
        }

        private fun keyLines(file: Path, text: String): Map<String, Int> {
            val out = HashMap<String, Int>()
            factory.createParser(text).use { p ->
                while (true) {
                    val t = p.nextToken() ?: break
                    if (t != JsonToken.FIELD_NAME) continue
                    val key = pathOf(p.parsingContext.pathAsPointer().toString())
                    val line = p.currentLocation().lineNr
                    // YAML parsers keep the last of two equal keys without a word; one of them is a mistake
                    out.put(key, line)?.let { first ->
                        throw ConfigException("$file:$line: key `$key` is given twice (first at line $first); remove one")
                    }
                }
            }
            return out
        }

        /** "/datasets/0/type" -> "datasets[0].type" */
        private fun pathOf(pointer: String): String = buildString {
            for (seg in pointer.split('/').drop(1)) {
                val s = seg.replace("~1", "/").replace("~0", "~")
                if (s.isNotEmpty() && s.all { it.isDigit() }) append("[$s]") else { if (isNotEmpty()) append('.'); append(s) }
            }
        }

        fun kind(n: JsonNode): String = when {
            n.isObject -> "a mapping"
            n.isArray -> "a list"
            n.isTextual -> "the string '${n.asText()}'"
            n.isBoolean -> "the boolean ${n.asBoolean()}"
            n.isNumber -> "the number ${n.asText()}"
            n.isNull -> "nothing (null)"
            else -> n.nodeType.toString().lowercase()
        }
    }
}

class ConfigException(message: String) : IllegalArgumentException(message)
