package dev.lathe.scripts.config

/**
 * The strict check after binding: keys nobody read are errors (file, line, key, nearest known key),
 * except Axolotl keys with no meaning here, which become warnings. All problems are reported at once.
 */
object StrictKeys {
    fun check(nodes: List<ConfigNode>, ignoredAt: (ConfigNode) -> Map<String, String>, warnings: MutableList<String>) {
        val errors = mutableListOf<String>()
        for (n in nodes) {
            val ignored = ignoredAt(n)
            for (key in n.unknownKeys()) {
                val reason = ignored[key]
                if (reason != null) {
                    if (!n.node.get(key).isNull) warnings += "${n.where(key)}: `${n.lineKey(key)}` is ignored: $reason"
                    continue
                }
                val near = nearest(key, n.knownKeys() + ignored.keys)
                errors += "${n.where(key)}: unknown key `${n.lineKey(key)}`" + (near?.let { " (did you mean `$it`?)" } ?: "")
            }
        }
        if (errors.isNotEmpty()) throw ConfigException(errors.joinToString("\n"))
    }

    /** The known key closest by edit distance, if close enough to be a plausible typo. */
    fun nearest(key: String, known: Collection<String>): String? {
        var best: String? = null
        var bestD = Int.MAX_VALUE
        for (k in known) {
            val d = distance(key.lowercase(), k.lowercase())
            if (d < bestD) { bestD = d; best = k }
        }
        val limit = maxOf(2, key.length / 3)
        return if (bestD <= limit) best else null
    }

    private fun distance(a: String, b: String): Int {
        var prev = IntArray(b.length + 1) { it }
        var cur = IntArray(b.length + 1)
        for (i in 1..a.length) {
            cur[0] = i
            for (j in 1..b.length) {
                cur[j] = minOf(prev[j - 1] + if (a[i - 1] == b[j - 1]) 0 else 1, prev[j] + 1, cur[j - 1] + 1)
            }
            val t = prev; prev = cur; cur = t
        }
        return prev[b.length]
    }
}
