// One native AdamW update over a list of parameters: a single pass over (p, g, m, v) per element
// instead of seven whole-tensor ops per parameter (each a separate sweep through memory, plus a
// temporary for the denominator). The arithmetic is torch.optim.AdamW's, in the same order and in
// the parameter's opmath type (float for fp32, double for fp64):
//   p *= 1 - lr*wd;  m = lerp(m, g, 1-b1);  v = v*b2 + (1-b2)*g*g;
//   p += (-lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps)
// Other dtypes (bf16 parameters) take the same ATen ops one by one.
#include "shim_internal.h"
#include <ATen/Parallel.h>

namespace {

struct Hyper {
  double lr, beta1, beta2, eps, weight_decay, bc1, bc2_sqrt;
};

template <typename T>
__attribute__((optimize("O3", "no-math-errno"))) void update(T* __restrict p, const T* __restrict g, T* __restrict m,
                                                             T* __restrict v, int64_t from, int64_t to, const Hyper& h) {
  const T decay = (T) (1 - h.lr * h.weight_decay), w = (T) (1 - h.beta1), b2 = (T) h.beta2, c2 = (T) (1 - h.beta2);
  const T bc2s = (T) h.bc2_sqrt, eps = (T) h.eps, step = (T) (-h.lr / h.bc1);
  const bool lerp_low = (1 - h.beta1) < 0.5;  // at::lerp's two branches, chosen by the weight as ATen does
  const bool decays = h.weight_decay != 0;
  for (int64_t i = from; i < to; i++) {
    T pi = decays ? p[i] * decay : p[i];
    const T gi = g[i];
    const T mi = lerp_low ? m[i] + w * (gi - m[i]) : gi - (gi - m[i]) * (1 - w);
    const T vi = v[i] * b2 + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + step * (mi / (std::sqrt(vi) / bc2s + eps));
  }
}

template <typename T>
void fused(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, const Hyper& h) {
  T* pp = p.data_ptr<T>();
  const T* gp = g.data_ptr<T>();
  T* mp = m.data_ptr<T>();
  T* vp = v.data_ptr<T>();
  at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t from, int64_t to) { update<T>(pp, gp, mp, vp, from, to, h); });
}

// the per-op path of torch.optim.AdamW (single-tensor), for dtypes without a fused loop
void unfused(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, const Hyper& h) {
  if (h.weight_decay != 0) p.mul_(1 - h.lr * h.weight_decay);
  m.lerp_(g, 1 - h.beta1);
  v.mul_(h.beta2).addcmul_(g, g, 1 - h.beta2);
  at::Tensor denom = v.sqrt().div_(h.bc2_sqrt).add_(h.eps);
  p.addcdiv_(m, denom, -h.lr / h.bc1);
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  auto dt = p.scalar_type();
  if (dt != at::kFloat && dt != at::kDouble) return false;
  for (const at::Tensor* t : {&p, &g, &m, &v}) {
    if (!t->is_cpu() || !t->is_contiguous() || t->scalar_type() != dt || t->numel() != p.numel()) return false;
  }
  return true;
}
}  // namespace

void lt::adamw_step(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                    const std::vector<at::Tensor>& exp_avg, const std::vector<at::Tensor>& exp_avg_sq, double lr,
                    double beta1, double beta2, double eps, double weight_decay, double bc1, double bc2_sqrt) {
  const size_t n = params.size();
  if (grads.size() != n || exp_avg.size() != n || exp_avg_sq.size() != n) {
    throw std::invalid_argument("adamw_step: params, grads, exp_avg and exp_avg_sq must have the same length");
  }
  Hyper h{lr, beta1, beta2, eps, weight_decay, bc1, bc2_sqrt};
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < n; i++) {
    at::Tensor p = params[i], m = exp_avg[i], v = exp_avg_sq[i];
    const at::Tensor& g = grads[i];
    if (!fusable(p, g, m, v)) unfused(p, g, m, v, h);
    else if (p.scalar_type() == at::kFloat) fused<float>(p, g, m, v, h);
    else fused<double>(p, g, m, v, h);
  }
}
