// Fused elementwise kernels of the decoder as custom autograd functions: RMSNorm, rotary and the
// SwiGLU product. Eager runs each as 4-8 whole-tensor ops, every one a sweep through memory and a
// fresh buffer (the allocator's mmap/munmap churn); here each is one pass forward and one backward,
// parallel over rows, saving for backward only what the gradient needs. Inputs the loops do not
// cover (other dtypes, devices) take the composed ATen ops, so callers never branch.
#include "shim_internal.h"
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#define LT_FAST __attribute__((optimize("O3", "no-math-errno")))

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

inline float to_f(float v) { return v; }
inline float to_f(c10::BFloat16 v) { return (float) v; }

// ---------------- RMSNorm: y = w * (x * rsqrt(mean(x^2) + eps)), x [n, d] f32, w [d] f32 ----------------
LT_FAST void rms_rows(const float* x, const float* w, float* y, float* rstd, int64_t d, double eps, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * d;
    float ss = 0;
    for (int64_t j = 0; j < d; j++) ss += xr[j] * xr[j];
    const float inv = 1.0f / std::sqrt(ss / (float) d + (float) eps);
    rstd[r] = inv;
    float* yr = y + r * d;
    for (int64_t j = 0; j < d; j++) yr[j] = w[j] * (xr[j] * inv);
  }
}

// gx = r (a - xhat mean(a xhat)), a = gy w, xhat = x r; gw += gy xhat (into this thread's buffer)
LT_FAST void rms_back_rows(const float* x, const float* w, const float* rstd, const float* gy, float* gx, float* gw,
                           int64_t d, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * d;
    const float* gr = gy + r * d;
    const float inv = rstd[r];
    float dot = 0;
    for (int64_t j = 0; j < d; j++) dot += gr[j] * w[j] * xr[j];
    const float k = dot * inv * inv / (float) d;
    float* out = gx + r * d;
    for (int64_t j = 0; j < d; j++) out[j] = inv * (gr[j] * w[j] - xr[j] * k);
    if (gw != nullptr) for (int64_t j = 0; j < d; j++) gw[j] += gr[j] * (xr[j] * inv);
  }
}

struct RmsNorm : public torch::autograd::Function<RmsNorm> {
  static at::Tensor forward(AutogradContext* ctx, at::Tensor x, at::Tensor w, double eps) {
    at::Tensor xc = x.contiguous(), wc = w.contiguous();
    const int64_t d = x.size(-1), n = x.numel() / d;
    at::Tensor y = at::empty_like(xc), rstd = at::empty({n}, xc.options());
    const float *xp = xc.data_ptr<float>(), *wp = wc.data_ptr<float>();
    float *yp = y.data_ptr<float>(), *rp = rstd.data_ptr<float>();
    at::parallel_for(0, n, 16, [&](int64_t a, int64_t b) { rms_rows(xp, wp, yp, rp, d, eps, a, b); });
    ctx->save_for_backward({xc, wc, rstd});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &x = s[0], &w = s[1], &rstd = s[2];
    at::Tensor gy = grads[0].contiguous().to(at::kFloat);
    const int64_t d = x.size(-1), n = x.numel() / d;
    const bool need_w = ctx->needs_input_grad(1);
    at::Tensor gx = at::empty_like(x);
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), n));
    at::Tensor gw_parts = at::zeros({parts, d}, x.options());  // one row of partial sums per task, summed after
    const int64_t per = (n + parts - 1) / parts;
    at::parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; p++) {
        const int64_t r0 = p * per, r1 = std::min(n, r0 + per);
        if (r0 < r1) rms_back_rows(x.data_ptr<float>(), w.data_ptr<float>(), rstd.data_ptr<float>(), gy.data_ptr<float>(),
                                   gx.data_ptr<float>(), need_w ? gw_parts.data_ptr<float>() + p * d : nullptr, d, r0, r1);
      }
    });
    return {gx, need_w ? gw_parts.sum(0) : at::Tensor(), at::Tensor()};
  }
};

// ---------------- SwiGLU product: silu(g) * u, g and u [..., f] f32 or bf16 ----------------
template <typename T>
LT_FAST void silu_mul_range(const T* g, const T* u, T* y, int64_t a, int64_t b) {
  for (int64_t i = a; i < b; i++) {
    const float gi = to_f(g[i]);
    y[i] = (T) (gi / (1.0f + std::exp(-gi)) * to_f(u[i]));
  }
}

// d/dg = gy u s (1 + g (1 - s)), d/du = gy g s, s = sigmoid(g)
template <typename T>
LT_FAST void silu_mul_back_range(const T* g, const T* u, const T* gy, T* gg, T* gu, int64_t a, int64_t b) {
  for (int64_t i = a; i < b; i++) {
    const float gi = to_f(g[i]), ui = to_f(u[i]), go = to_f(gy[i]);
    const float s = 1.0f / (1.0f + std::exp(-gi));
    gg[i] = (T) (go * ui * s * (1.0f + gi * (1.0f - s)));
    gu[i] = (T) (go * gi * s);
  }
}

struct SiluMul : public torch::autograd::Function<SiluMul> {
  static at::Tensor forward(AutogradContext* ctx, at::Tensor g, at::Tensor u) {
    at::Tensor gc = g.contiguous(), uc = u.contiguous(), y = at::empty_like(gc);
    AT_DISPATCH_SWITCH(gc.scalar_type(), "silu_mul", AT_DISPATCH_CASE(at::kFloat, [&] {
      at::parallel_for(0, gc.numel(), 1 << 14, [&](int64_t a, int64_t b) {
        silu_mul_range<float>(gc.data_ptr<float>(), uc.data_ptr<float>(), y.data_ptr<float>(), a, b); });
    }) AT_DISPATCH_CASE(at::kBFloat16, [&] {
      at::parallel_for(0, gc.numel(), 1 << 14, [&](int64_t a, int64_t b) {
        silu_mul_range<c10::BFloat16>(gc.data_ptr<c10::BFloat16>(), uc.data_ptr<c10::BFloat16>(), y.data_ptr<c10::BFloat16>(), a, b); });
    }));
    ctx->save_for_backward({gc, uc});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &g = s[0], &u = s[1];
    at::Tensor gy = grads[0].to(g.scalar_type()).contiguous(), gg = at::empty_like(g), gu = at::empty_like(u);
    AT_DISPATCH_SWITCH(g.scalar_type(), "silu_mul_backward", AT_DISPATCH_CASE(at::kFloat, [&] {
      at::parallel_for(0, g.numel(), 1 << 14, [&](int64_t a, int64_t b) {
        silu_mul_back_range<float>(g.data_ptr<float>(), u.data_ptr<float>(), gy.data_ptr<float>(), gg.data_ptr<float>(),
                                   gu.data_ptr<float>(), a, b); });
    }) AT_DISPATCH_CASE(at::kBFloat16, [&] {
      using B = c10::BFloat16;
      at::parallel_for(0, g.numel(), 1 << 14, [&](int64_t a, int64_t b) {
        silu_mul_back_range<B>(g.data_ptr<B>(), u.data_ptr<B>(), gy.data_ptr<B>(), gg.data_ptr<B>(), gu.data_ptr<B>(), a, b); });
    }));
    return {gg, gu};
  }
};

// ---------------- rotary: y = x cos + rotate_half(x) sin; x [b, n, s, d] (any strides), cos/sin [b, 1, s, d] f32 ----------------
// rotate_half(x) = [-x2, x1], so y1 = x1 c1 - x2 s1, y2 = x2 c2 + x1 s2; backward: gx1 = gy1 c1 + gy2 s2, gx2 = gy2 c2 - gy1 s1.
template <typename T, bool BACK>
LT_FAST void rope_row(const T* x, int64_t xstep, const float* c, const float* sn, T* y, int64_t half) {
  for (int64_t j = 0; j < half; j++) {
    const float x1 = to_f(x[j * xstep]), x2 = to_f(x[(j + half) * xstep]);
    if (!BACK) {
      y[j] = (T) (x1 * c[j] + (-x2) * sn[j]);
      y[j + half] = (T) (x2 * c[j + half] + x1 * sn[j + half]);
    } else {
      y[j] = (T) (x1 * c[j] + x2 * sn[j + half]);
      y[j + half] = (T) (x2 * c[j + half] - x1 * sn[j]);
    }
  }
}

// out [b, n, s, d] contiguous of dtype OT from x of dtype T
template <typename T, typename OT, bool BACK>
void rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, at::Tensor& out) {
  const int64_t B = x.size(0), N = x.size(1), S = x.size(2), D = x.size(3), half = D / 2;
  const T* xp = x.data_ptr<T>();
  const float *cp = cos.data_ptr<float>(), *sp = sin.data_ptr<float>();
  OT* op = out.data_ptr<OT>();
  auto st = x.strides();
  const int64_t cb = cos.size(0) == 1 ? 0 : S * D;  // tables may be shared across the batch
  at::parallel_for(0, B * N * S, 64, [&](int64_t a, int64_t e) {
    for (int64_t r = a; r < e; r++) {
      const int64_t bi = r / (N * S), ni = (r / S) % N, si = r % S;
      const T* xr = xp + bi * st[0] + ni * st[1] + si * st[2];
      const int64_t t = bi * cb + si * D;
      if constexpr (std::is_same<T, OT>::value) rope_row<T, BACK>(xr, st[3], cp + t, sp + t, op + r * D, half);
      else {
        // bf16 input, f32 output (the promotion of x * cos): compute in place in f32
        float* yr = (float*) (op + r * D);
        for (int64_t j = 0; j < D; j++) yr[j] = to_f(xr[j * st[3]]);
        float tmp[1024];
        rope_row<float, BACK>(yr, 1, cp + t, sp + t, tmp, half);
        std::memcpy(yr, tmp, sizeof(float) * D);
      }
    }
  });
}

struct Rope : public torch::autograd::Function<Rope> {
  static at::Tensor forward(AutogradContext* ctx, at::Tensor x, at::Tensor cos, at::Tensor sin) {
    at::Tensor c = cos.contiguous(), s = sin.contiguous();
    // the output keeps x's dtype (HF casts cos/sin to q's dtype): bf16 q/k stay bf16 for attention, computed in f32
    at::Tensor out = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
    ctx->saved_data["bf16"] = x.scalar_type() == at::kBFloat16;
    if (x.scalar_type() == at::kFloat) rope<float, float, false>(x, c, s, out);
    else rope<c10::BFloat16, c10::BFloat16, false>(x, c, s, out);
    ctx->save_for_backward({c, s});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    at::Tensor gy = grads[0].to(at::kFloat);
    at::Tensor gx = at::empty(gy.sizes(), gy.options());
    rope<float, float, true>(gy, saved[0], saved[1], gx);
    if (ctx->saved_data["bf16"].toBool()) gx = gx.to(at::kBFloat16);
    return {gx, at::Tensor(), at::Tensor()};
  }
};

bool cpu(std::initializer_list<const at::Tensor*> ts) {
  for (auto* t : ts) if (!t->is_cpu()) return false;
  return true;
}
}  // namespace

at::Tensor lt::rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  if (cpu({&x, &w}) && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat && w.dim() == 1 &&
      x.size(-1) == w.size(0)) {
    return RmsNorm::apply(x, w, eps);
  }
  // composed, HF's order: statistics in f32, normalised value cast back before the weight multiplies it
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = xf.mul(xf.mul(xf).mean(-1, true).add(eps).rsqrt());
  return w.mul(normed.to(x.scalar_type()));
}

at::Tensor lt::silu_mul(const at::Tensor& g, const at::Tensor& u) {
  if (cpu({&g, &u}) && g.sizes() == u.sizes() && g.scalar_type() == u.scalar_type() &&
      (g.scalar_type() == at::kFloat || g.scalar_type() == at::kBFloat16)) {
    return SiluMul::apply(g, u);
  }
  return at::silu(g).mul(u);
}

at::Tensor lt::rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const bool fits = cpu({&x, &cos, &sin}) && x.dim() == 4 && cos.dim() == 4 && x.size(3) % 2 == 0 && x.size(3) <= 1024 &&
                    cos.sizes() == sin.sizes() && cos.size(1) == 1 && cos.size(2) == x.size(2) && cos.size(3) == x.size(3) &&
                    (cos.size(0) == x.size(0) || cos.size(0) == 1) && cos.scalar_type() == at::kFloat &&
                    sin.scalar_type() == at::kFloat && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16);
  if (fits) return Rope::apply(x, cos, sin);
  const int64_t half = x.size(-1) / 2;
  at::Tensor rotated = at::cat({x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)}, -1);
  return x.mul(cos.to(x.scalar_type())).add(rotated.mul(sin.to(x.scalar_type())));  // x's dtype, as the fused path
}
