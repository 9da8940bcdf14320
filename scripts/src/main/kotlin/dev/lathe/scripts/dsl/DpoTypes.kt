package dev.lathe.scripts.dsl

/** DPO loss types as Kotlin names (mapped to the align factory once): dpo(...) { loss = Ipo }. */
sealed class DpoType(val key: String)
data object Sigmoid : DpoType("sigmoid")
data object Hinge : DpoType("hinge")
data object Ipo : DpoType("ipo")
data object Robust : DpoType("robust")
data object ExoPair : DpoType("exo_pair")
data object BcoPair : DpoType("bco_pair")
data object SppoHard : DpoType("sppo_hard")
data object NcaPair : DpoType("nca_pair")
data object Aot : DpoType("aot")
data object AotPair : DpoType("aot_pair")
data object ApoZero : DpoType("apo_zero")
data object ApoDown : DpoType("apo_down")
data object Discopop : DpoType("discopop")
data object SigmoidNorm : DpoType("sigmoid_norm")
data object Sft : DpoType("sft")
