package dev.lathe.scripts.sugar

import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Scope
import dev.lathe.engine.tensor.Tensor

/**
 * Runs [block] inside a fresh [Scope]: every tensor made inside is freed when the block ends,
 * except what the block returns. A returned Tensor (or tensors inside a returned List, Array,
 * Pair, Triple or Map's values) comes back as a new handle owned by the enclosing scope.
 * The result is a shallow share rather than the inner object itself, so returning a tensor
 * owned elsewhere (a module parameter) never steals it from its owner.
 */
inline fun <T> scope(block: Scope.() -> T): T {
    val s = Scope.open()
    try {
        return keepResult(s, s.block())
    } finally {
        s.close()
    }
}

/** Moves the tensors in [value] out of [s]; see [scope]. */
@Suppress("UNCHECKED_CAST")
fun <T> keepResult(s: Scope, value: T): T = when (value) {
    is Tensor -> if (value.isFreed) value else s.keep(value.share()) as T
    is List<*> -> value.map { keepResult(s, it) } as T
    is Array<*> -> (value.copyOf() as Array<Any?>).also { a -> for (i in a.indices) a[i] = keepResult(s, a[i]) } as T
    is Pair<*, *> -> Pair(keepResult(s, value.first), keepResult(s, value.second)) as T
    is Triple<*, *, *> -> Triple(keepResult(s, value.first), keepResult(s, value.second), keepResult(s, value.third)) as T
    is Map<*, *> -> value.mapValues { keepResult(s, it.value) } as T
    else -> value
}

/** Runs [block] with autograd recording off (torch.no_grad()); the previous mode comes back after. */
inline fun <T> noGrad(block: () -> T): T = Grad.disabled().use { block() }

/** Runs [block] with autograd recording on, e.g. inside a [noGrad] block. */
inline fun <T> withGrad(block: () -> T): T = Grad.enabled().use { block() }
