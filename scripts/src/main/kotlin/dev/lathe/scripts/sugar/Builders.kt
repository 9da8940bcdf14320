package dev.lathe.scripts.sugar

import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors

// torch.tensor(...)-like builders. As in torch, floating values default to float32 and
// integers to int64; nested lists give more dims.

fun tensor(vararg v: Float): Tensor = Tensors.of(v)
fun tensor(vararg v: Double, dtype: DType = DType.F32): Tensor = tensor(v.toList(), dtype)
fun tensor(vararg v: Int): Tensor = Tensors.of(LongArray(v.size) { v[it].toLong() })
fun tensor(vararg v: Long): Tensor = Tensors.of(v)
fun tensor(vararg v: Boolean): Tensor = Tensors.of(v)

/** From a (nested) list of numbers: `tensor(listOf(listOf(0, 1), listOf(1, 0)))` is a [2, 2] int64 tensor. */
fun tensor(values: List<*>, dtype: DType? = null): Tensor {
    val shape = mutableListOf<Long>()
    shapeOf(values, shape)
    val flat = ArrayList<Number>()
    flatten(values, shape, 0, flat)
    val dt = dtype ?: if (flat.all { it is Int || it is Long || it is Short || it is Byte }) DType.I64 else DType.F32
    val dims = shape.toLongArray()
    return when {
        dt == DType.I64 -> Tensors.of(LongArray(flat.size) { flat[it].toLong() }, *dims)
        dt == DType.F64 -> Tensors.of(DoubleArray(flat.size) { flat[it].toDouble() }, *dims)
        else -> Tensors.of(FloatArray(flat.size) { flat[it].toFloat() }, *dims).let { if (dt == DType.F32) it else it.to(dt) }
    }
}

private fun shapeOf(v: Any?, shape: MutableList<Long>) {
    if (v is List<*>) {
        shape += v.size.toLong()
        if (v.isNotEmpty()) shapeOf(v[0], shape)
    }
}

private fun flatten(v: Any?, shape: List<Long>, depth: Int, out: MutableList<Number>) {
    if (depth == shape.size) {
        require(v is Number) { "tensor(list): expected a number at depth $depth, found ${v?.let { it::class.simpleName }}: $v" }
        out += v
        return
    }
    require(v is List<*> && v.size.toLong() == shape[depth]) {
        "tensor(list): ragged nesting, expected a list of ${shape[depth]} at depth $depth, found $v"
    }
    for (x in v) flatten(x, shape, depth + 1, out)
}
