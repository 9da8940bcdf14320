package dev.lathe.scripts.config

import dev.lathe.engine.data.GrpoPrompt
import dev.lathe.engine.reward.Reward
import dev.lathe.engine.reward.Sample
import dev.lathe.engine.train.grpo.RolloutFunction
import dev.lathe.scripts.host.DefinitionScripts
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.WildcardType

/**
 * Finds a top-level declaration of a definition file by name and adapts it: a reward function
 * (`(Sample) -> Double?` per sample, `(List<Sample>) -> List<Double?>` per group, or a `val` holding a
 * [Reward]), a rollout function (TRL's `(List<GrpoPrompt>, RolloutFunction.Context) -> List<Rollout>`,
 * Axolotl's `(List<GrpoPrompt>) -> List<String>`, or a `val` holding a [RolloutFunction]) or a dataset
 * transform (`(Map<String, Any?>) -> Map<String, Any?>`). Signatures are
 * checked with Java reflection on the script class (top-level functions are its methods); a wrong
 * one or an unknown name is an error naming the file, the function, what was expected and what was
 * found, with the declarations that do exist.
 */
internal class ScriptFunctions(private val script: DefinitionScripts.Loaded, private val display: String) {
    private val methods: List<Method> = script.scriptClass.declaredMethods
        .filter { Modifier.isPublic(it.modifiers) && !it.isSynthetic && !Modifier.isStatic(it.modifiers) && it.name != "main" }
        .sortedBy { it.name }

    fun reward(name: String): Reward {
        getter(name)?.let { g ->
            val v = call(g)
            if (v is Reward) return v.named(name)
            throw wrong(name, REWARD_FORMS, "val $name: ${render(g.genericReturnType)}")
        }
        val m = single(name, REWARD_FORMS)
        val p = m.genericParameterTypes.singleOrNull()
        val ret = m.genericReturnType
        return when {
            p == Sample::class.java && (ret == java.lang.Double::class.java || ret == java.lang.Double.TYPE) ->
                Reward.of(name, 1.0) { s -> call(m, s) as Double? }
            p != null && isListOf(p, Sample::class.java) && isListOf(ret, java.lang.Double::class.java) ->
                Reward.ofGroup(name, 1.0) { g -> @Suppress("UNCHECKED_CAST") (call(m, g) as List<Double>?) }
            else -> throw wrong(name, REWARD_FORMS, signature(m))
        }
    }

    fun rollout(name: String): RolloutFunction {
        getter(name)?.let { g ->
            val v = call(g)
            if (v is RolloutFunction) return v
            throw wrong(name, ROLLOUT_FORMS, "val $name: ${render(g.genericReturnType)}")
        }
        val m = single(name, ROLLOUT_FORMS)
        val ps = m.genericParameterTypes
        val ret = m.genericReturnType
        @Suppress("UNCHECKED_CAST")
        return when {
            ps.size == 2 && isListOf(ps[0], GrpoPrompt::class.java) && ps[1] == RolloutFunction.Context::class.java && isListOf(ret, RolloutFunction.Rollout::class.java) ->
                RolloutFunction { prompts, ctx -> call(m, prompts, ctx) as List<RolloutFunction.Rollout>? }
            ps.size == 1 && isListOf(ps[0], GrpoPrompt::class.java) && isListOf(ret, String::class.java) ->
                RolloutFunction.ofTexts { prompts -> call(m, prompts) as List<String>? ?: throw IllegalStateException("`$name` returned null instead of a list of completions") }
            else -> throw wrong(name, ROLLOUT_FORMS, signature(m))
        }
    }

    fun transform(name: String): (Map<String, Any?>) -> Map<String, Any?>? {
        val m = single(name, TRANSFORM_FORM)
        val p = m.genericParameterTypes.singleOrNull()
        if (p == null || raw(p) != Map::class.java || raw(m.genericReturnType) != Map::class.java) throw wrong(name, TRANSFORM_FORM, signature(m))
        @Suppress("UNCHECKED_CAST")
        return { row -> call(m, row) as Map<String, Any?>? }
    }

    private fun single(name: String, expected: String): Method {
        val found = methods.filter { it.name == name }
        if (found.isEmpty()) {
            throw ConfigException("$display: no top-level function `$name`; expected $expected. Declared there: ${declared()}")
        }
        return found.singleOrNull() ?: throw ConfigException("$display: `$name` is overloaded (${found.joinToString { signature(it) }}); " +
            "give it one signature: $expected")
    }

    private fun getter(name: String): Method? {
        val g = "get" + name.replaceFirstChar { it.uppercaseChar() }
        return methods.firstOrNull { it.name == g && it.parameterCount == 0 } ?: methods.firstOrNull { it.name == name && it.parameterCount == 0 && name.startsWith("is") }
    }

    private fun wrong(name: String, expected: String, found: String) =
        ConfigException("$display: `$name` has the wrong signature: expected $expected, found $found")

    private fun call(m: Method, vararg args: Any?): Any? = try {
        m.invoke(script.instance, *args)
    } catch (e: InvocationTargetException) {
        throw e.targetException // the user's own exception: the runner counts and reports it
    }

    /** Functions and vals of the file, as the user wrote them (Kotlin-like types). */
    private fun declared(): String {
        val shown = methods.map { m ->
            if (m.parameterCount == 0 && m.name.startsWith("get") && m.name.length > 3) "val ${m.name.substring(3).replaceFirstChar { it.lowercaseChar() }}: ${render(m.genericReturnType)}"
            else "${m.name}${signature(m)}"
        }
        return if (shown.isEmpty()) "nothing" else shown.joinToString(", ")
    }

    companion object {
        const val REWARD_FORMS = "`(Sample) -> Double?` (per sample), `(List<Sample>) -> List<Double?>` (per group) or a `val` holding a Reward"
        const val ROLLOUT_FORMS = "`(List<GrpoPrompt>, RolloutFunction.Context) -> List<Rollout>` (TRL's: ids, sampler log-probs, env mask, extra fields), " +
            "`(List<GrpoPrompt>) -> List<String>` (Axolotl's: completion texts) or a `val` holding a RolloutFunction"
        const val TRANSFORM_FORM = "`(Map<String, Any?>) -> Map<String, Any?>` (a dataset row in, the columns to set out)"

        fun signature(m: Method) = "(" + m.genericParameterTypes.joinToString(", ") { render(it) } + ") -> " + render(m.genericReturnType)

        private fun raw(t: Type): Class<*>? = when (t) {
            is Class<*> -> t
            is ParameterizedType -> t.rawType as? Class<*>
            else -> null
        }

        private fun isListOf(t: Type, element: Class<*>): Boolean {
            if (t !is ParameterizedType || t.rawType != List::class.java) return false
            val a = t.actualTypeArguments.single()
            return a == element || (a is WildcardType && a.upperBounds.singleOrNull() == element)
        }

        /** A Java type as Kotlin shows it: java.lang.Double -> Double?, double -> Double, List<Sample>. */
        fun render(t: Type): String = when (t) {
            java.lang.Double.TYPE -> "Double"
            java.lang.Double::class.java -> "Double?"
            java.lang.Float.TYPE, java.lang.Integer.TYPE, java.lang.Long.TYPE, java.lang.Boolean.TYPE -> (t as Class<*>).name.replaceFirstChar { it.uppercaseChar() }.replace("Integer", "Int")
            Void.TYPE -> "Unit"
            Object::class.java -> "Any?"
            is Class<*> -> t.simpleName.replace("Integer", "Int")
            is ParameterizedType -> render(t.rawType) + t.actualTypeArguments.joinToString(", ", "<", ">") { render(it) }
            is WildcardType -> t.upperBounds.singleOrNull()?.let { render(it) } ?: "*"
            else -> t.typeName
        }
    }
}
