package dev.lathe.tests.model

import dev.lathe.engine.tensor.DType
import dev.lathe.engine.tensor.Fused
import dev.lathe.engine.tensor.Grad
import dev.lathe.engine.tensor.Runtime
import dev.lathe.engine.tensor.Tensor
import dev.lathe.engine.tensor.Tensors
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe

/**
 * The shim's fused kernels (RMSNorm, SwiGLU product, rotary, AdamW) give the values and gradients of the
 * unfused ATen ops they replace, written out here op by op as eager PyTorch / HF run them.
 */
class FusedKernelsSpec : StringSpec({
    fun leaf(vararg shape: Long) = Tensors.randn(*shape).detach().requiresGrad_(true)

    /** Gradients of sum(coef * f(inputs)) with respect to inputs, after zeroing them. */
    fun grads(inputs: List<Tensor>, coef: Tensor, f: () -> Tensor): Pair<Tensor, List<Tensor>> {
        inputs.forEach { it.zeroGrad() }
        val y = f()
        y.mul(coef).sum().backward()
        return y.detach() to inputs.map { it.grad()!!.clone() }
    }

    fun rmsComposed(x: Tensor, w: Tensor, eps: Double) = w.mul(x.mul(x.mul(x).mean(-1, true).add(eps).rsqrt()))

    fun rotateComposed(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
        val half = x.size(-1) / 2
        val rotated = Tensors.cat(listOf(x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)), -1)
        return x.mul(cos).add(rotated.mul(sin))
    }

    "RMSNorm: fused values and d x, d w equal the composed ops (fp32, contiguous and strided input)" {
        Fixtures.scoped {
            Runtime.seed(1)
            val w = leaf(64).mul(0.3).add(1.0).detach().requiresGrad_(true)
            val base = leaf(3, 64, 5) // strided view below: [3, 5, 64] with the last dim not contiguous
            for (x in listOf(leaf(3, 5, 64), base)) {
                val input = { if (x === base) x.transpose(1, 2) else x }
                val coef = Tensors.randn(3, 5, 64)
                val (y1, g1) = grads(listOf(x, w), coef) { Fused.rmsNorm(input(), w, 1e-5) }
                val (y2, g2) = grads(listOf(x, w), coef) { rmsComposed(input(), w, 1e-5) }
                Fixtures.maxDiff(y1, y2) shouldBeLessThan 1e-5
                Fixtures.maxDiff(g1[0], g2[0]) shouldBeLessThan 1e-5
                Fixtures.maxDiff(g1[1], g2[1]) shouldBeLessThan 1e-4
            }
        }
    }

    "SwiGLU product: fused silu(g) * u and its gradients equal silu then mul (fp32; bf16 within bf16 rounding)" {
        Fixtures.scoped {
            Runtime.seed(2)
            val g = leaf(4, 7, 33).mul(3.0).detach().requiresGrad_(true)
            val u = leaf(4, 7, 33)
            val coef = Tensors.randn(4, 7, 33)
            val (y1, g1) = grads(listOf(g, u), coef) { Fused.siluMul(g, u) }
            val (y2, g2) = grads(listOf(g, u), coef) { g.silu().mul(u) }
            Fixtures.maxDiff(y1, y2) shouldBeLessThan 1e-5
            Fixtures.maxDiff(g1[0], g2[0]) shouldBeLessThan 1e-5
            Fixtures.maxDiff(g1[1], g2[1]) shouldBeLessThan 1e-5
            // bf16 operands (autocast's linear outputs): compared with the fp32 result of the same bf16 values
            val gb = g.detach().to(DType.BF16).requiresGrad_(true)
            val ub = u.detach().to(DType.BF16).requiresGrad_(true)
            val yb = Fused.siluMul(gb, ub)
            yb.dtype() shouldBe DType.BF16
            val ref = gb.detach().toFloat().silu().mul(ub.detach().toFloat())
            Fixtures.maxDiff(yb.toFloat(), ref) shouldBeLessThan 0.02 * ref.abs().max().item()
            yb.toFloat().mul(coef).sum().backward()
            Fixtures.maxDiff(gb.grad()!!.toFloat(), g2[0]) shouldBeLessThan 0.05 * g2[0].abs().max().item()
        }
    }

    "rotary: fused x cos + rotate_half(x) sin and d x equal the composed ops (strided [b, n, s, d] input, bf16 input)" {
        Fixtures.scoped {
            Runtime.seed(3)
            val raw = leaf(2, 7, 3, 8) // [b, s, n, d] as the projections give it
            val angles = Tensors.randn(2, 1, 7, 8).mul(3.0)
            val cos = angles.cos()
            val sin = angles.sin()
            val coef = Tensors.randn(2, 3, 7, 8)
            val (y1, g1) = grads(listOf(raw), coef) { Fused.rotary(raw.transpose(1, 2), cos, sin) }
            val (y2, g2) = grads(listOf(raw), coef) { rotateComposed(raw.transpose(1, 2), cos, sin) }
            Fixtures.maxDiff(y1, y2) shouldBeLessThan 1e-6
            Fixtures.maxDiff(g1[0], g2[0]) shouldBeLessThan 1e-6
            // one table row shared by the batch
            val (y3, _) = grads(listOf(raw), coef) { Fused.rotary(raw.transpose(1, 2), cos.narrow(0, 0, 1), sin.narrow(0, 0, 1)) }
            val (y4, _) = grads(listOf(raw), coef) { rotateComposed(raw.transpose(1, 2), cos.narrow(0, 0, 1), sin.narrow(0, 0, 1)) }
            Fixtures.maxDiff(y3, y4) shouldBeLessThan 1e-6
            // bf16 x (autocast's q/k) stays bf16, as HF's rotary casts cos/sin to q's dtype: computed in f32 and
            // rounded once, so within half a bf16 ulp (at most 2^-8 of the value) of the f32 result of the same bf16 values
            val xb = raw.detach().to(DType.BF16).transpose(1, 2)
            val yb = Fused.rotary(xb, cos, sin)
            yb.dtype() shouldBe DType.BF16
            val exact = rotateComposed(xb.toFloat(), cos, sin)
            yb.toFloat().sub(exact).abs().sub(exact.abs().mul(1.0 / 256)).max().item() shouldBeLessThan 1e-7
        }
    }

    "AdamW: the fused update equals torch's per-op arithmetic on fp32 tensors (with and without decay) and bf16" {
        Fixtures.scoped {
            Grad.disabled().use {
                Runtime.seed(4)
                for (dt in listOf(DType.F32, DType.BF16)) for (wd in listOf(0.0, 0.1)) {
                    val p1 = Tensors.randn(1000).to(dt)
                    val p2 = p1.clone()
                    val p0 = p1.clone()
                    val m1 = Tensors.zeros(longArrayOf(1000), dt); val v1 = Tensors.zeros(longArrayOf(1000), dt)
                    val m2 = m1.clone(); val v2 = v1.clone()
                    for (t in 1..3) {
                        val g = Tensors.randn(1000).mul(0.1 * t).to(dt)
                        val lr = 0.01 / t
                        val bc1 = 1 - Math.pow(0.9, t.toDouble())
                        val bc2 = Math.sqrt(1 - Math.pow(0.999, t.toDouble()))
                        Fused.adamwStep(listOf(p1), listOf(g), listOf(m1), listOf(v1), lr, 0.9, 0.999, 1e-8, wd, bc1, bc2)
                        // torch.optim.AdamW (single tensor), op by op
                        if (wd != 0.0) p2.mul_(1 - lr * wd)
                        m2.lerp_(g, 0.1)
                        v2.mul_(0.999).addcmul_(g, g, 0.001)
                        p2.addcdiv_(m2, v2.sqrt().div_(bc2).add_(1e-8), -lr / bc1)
                    }
                    val tol = if (dt == DType.F32) 1e-6 else 1e-2
                    Fixtures.maxDiff(p1.toFloat(), p2.toFloat()) shouldBeLessThan tol
                    Fixtures.maxDiff(m1.toFloat(), m2.toFloat()) shouldBeLessThan tol
                    Fixtures.maxDiff(v1.toFloat(), v2.toFloat()) shouldBeLessThan tol
                    (Fixtures.maxDiff(p1.toFloat(), p0.toFloat()) > 1e-3) shouldBe true // the update did move p
                }
            }
        }
    }
})
