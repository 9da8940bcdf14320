package dev.lathe.scripts.sugar

import dev.lathe.engine.tensor.Tensor

// Arithmetic operators with torch's broadcasting; Number operands become scalars (an Int on an
// integer tensor keeps the integer dtype, as in torch). Results belong to the current scope.

operator fun Tensor.plus(o: Tensor): Tensor = add(o)
operator fun Tensor.minus(o: Tensor): Tensor = sub(o)
operator fun Tensor.times(o: Tensor): Tensor = mul(o)
operator fun Tensor.div(o: Tensor): Tensor = div(o)
operator fun Tensor.unaryMinus(): Tensor = neg()
operator fun Tensor.unaryPlus(): Tensor = this

operator fun Tensor.plus(v: Number): Tensor = add(v.toDouble())
operator fun Tensor.minus(v: Number): Tensor = sub(v.toDouble())
operator fun Tensor.times(v: Number): Tensor = mul(v.toDouble())
operator fun Tensor.div(v: Number): Tensor = div(v.toDouble())
operator fun Tensor.rem(v: Number): Tensor = remainder(v.toDouble())

operator fun Number.plus(t: Tensor): Tensor = t.add(toDouble())
operator fun Number.minus(t: Tensor): Tensor = t.rsub(toDouble())
operator fun Number.times(t: Tensor): Tensor = t.mul(toDouble())
/** v / t, true division like torch (an integer tensor gives floats). */
operator fun Number.div(t: Tensor): Tensor = t.reciprocal().mul(toDouble())

/** a matmul b == torch's a @ b. */
infix fun Tensor.matmul(o: Tensor): Tensor = this.matmul(o)

/** a pow 2.0 == a ** 2. */
infix fun Tensor.pow(e: Number): Tensor = this.pow(e.toDouble())
