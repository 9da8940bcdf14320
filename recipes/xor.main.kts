// XOR with a 2-layer MLP, trained by autograd and plain SGD: the smallest end-to-end check
// that tensors, gradients and scopes work from a recipe. Run: ./lathe run recipes/xor.main.kts
// Optional args: [steps] [seed]. Exits non-zero unless all four points are classified right.

val steps = args.getOrNull(0)?.toInt() ?: 2000
Runtime.seed(args.getOrNull(1)?.toLong() ?: 0L)

val x = tensor(listOf(listOf(0f, 0f), listOf(0f, 1f), listOf(1f, 0f), listOf(1f, 1f)))  // [4, 2]
val y = tensor(listOf(listOf(0f), listOf(1f), listOf(1f), listOf(0f)))                  // [4, 1]

/** Weights owned by the module; the hidden layer is wide enough that SGD never gets stuck. */
class Mlp(hidden: Long) : Module() {
    val w1 = param("w1", randn(hidden, 2) * 1.0)
    val b1 = param("b1", zeros(hidden))
    val w2 = param("w2", randn(1, hidden) * (1.0 / Math.sqrt(hidden.toDouble())))
    val b2 = param("b2", zeros(1))

    /** [n, 2] -> logits [n, 1] */
    fun forward(x: Tensor): Tensor = x.linear(w1, b1).tanh().linear(w2, b2)
}

val model = Mlp(8)
val lr = 0.5
for (step in 1..steps) {
    val loss = scope {
        val loss = bceWithLogits(model.forward(x), y)
        loss.backward()
        noGrad {
            for (p in model.parameters()) {
                p.sub_(p.grad() * lr)   // SGD: p -= lr * grad
                p.zeroGrad()
            }
        }
        loss.item()
    }
    if (step == 1 || step % 250 == 0) println("step %4d  loss %.5f".format(step, loss))
}

val accuracy = scope {
    val predicted = model.forward(x).gt(0.0).toFloat()
    predicted.eq(y).toFloat().mean().item()
}
println("accuracy %.0f%% (%s)".format(accuracy * 100, scope { model.forward(x).sigmoid().toFloatArray().joinToString { "%.3f".format(it) } }))
check(accuracy == 1.0) { "XOR not learned: accuracy ${accuracy * 100}% after $steps steps" }
