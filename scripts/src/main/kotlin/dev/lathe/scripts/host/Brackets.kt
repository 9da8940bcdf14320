package dev.lathe.scripts.host

/** Counts unclosed ( [ { in Kotlin code, skipping strings, chars and comments: the REPL keeps
 *  reading lines while a snippet is still open. */
object Brackets {
    fun open(code: CharSequence): Int {
        var depth = 0
        var i = 0
        var block = false
        while (i < code.length) {
            val c = code[i]
            val next = if (i + 1 < code.length) code[i + 1] else ' '
            when {
                block -> if (c == '*' && next == '/') { block = false; i++ }
                c == '/' && next == '/' -> i = code.indexOf('\n', i).let { if (it < 0) code.length else it }
                c == '/' && next == '*' -> { block = true; i++ }
                c == '"' && code.startsWith("\"\"\"", i) -> i = skipRaw(code, i)
                c == '"' || c == '\'' -> i = skipQuoted(code, i, c)
                c == '(' || c == '[' || c == '{' -> depth++
                c == ')' || c == ']' || c == '}' -> depth--
            }
            i++
        }
        return if (block) depth + 1 else depth
    }

    private fun skipRaw(code: CharSequence, start: Int): Int {
        val end = code.indexOf("\"\"\"", start + 3)
        return if (end < 0) code.length else end + 2
    }

    private fun skipQuoted(code: CharSequence, start: Int, quote: Char): Int {
        var i = start + 1
        while (i < code.length && code[i] != quote && code[i] != '\n') i += if (code[i] == '\\') 2 else 1
        return i
    }
}
