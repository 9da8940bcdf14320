package dev.lathe.scripts.sugar

import dev.lathe.engine.tensor.Tensor

// Python-style indexing. Negative indices count from the end, as in torch.

/** a[i]: selects index i along dim 0 (the result has one dim fewer). */
operator fun Tensor.get(i: Int): Tensor = select(0, i.toLong())
operator fun Tensor.get(i: Long): Tensor = select(0, i)

/** a[i, j, ...]: selects along the leading dims in turn. */
operator fun Tensor.get(i: Int, vararg rest: Int): Tensor {
    var t = select(0, i.toLong())
    for (j in rest) t = t.select(0, j.toLong())
    return t
}

/** a[range] along dim 0, range end inclusive (Kotlin's `1..3` is torch's `1:4`). */
operator fun Tensor.get(range: IntRange): Tensor = slice(0, range)

/** Rows [range] along dim: `a.slice(1, 0 until 2)` == torch's `a[:, 0:2]`; stepped ranges work. */
fun Tensor.slice(dim: Int, range: IntProgression): Tensor {
    require(range.step > 0) { "slice needs an increasing range, got $range" }
    return slice(dim.toLong(), range.first.toLong(), range.last.toLong() + 1, range.step.toLong())
}

/** Python's a[start:end] along dim with open ends as null: `a.slice(0, 2, null)` == `a[2:]`. */
fun Tensor.slice(dim: Int, start: Int?, end: Int?, step: Int = 1): Tensor =
    slice(dim.toLong(), start?.toLong(), end?.toLong(), step.toLong())

/** The shape as a Kotlin list (handy for printing and comparing). */
val Tensor.shapeList: List<Long> get() = shape().toList()
