// Sigmoid DPO loss fused with the output layer, its gradients formed in the forward pass.
//
// The chunked label log-prob op (shim_logprobs.cpp) runs the output layer three times for the
// policy: the logits in forward, the same logits again in backward, then d.W and d^T.h. This op
// runs it once: DPO's loss is a mean over pairs of a function of each pair's two summed
// log-probs, so once a pair's logits are in hand its loss and dL/dS are known, and the
// gradients of that pair's hidden rows and its share of the lm_head gradient are formed at once:
//   dL/dS_chosen = scale/B * beta * dl/dz,  dL/dS_rejected = -dL/dS_chosen,  z = beta * (rho_c - rho_r)
//   dL/dlogits_i = g_seq(i) * (onehot(y_i) - softmax(logits_i))
// Backward only scales the saved gradients by the incoming (scalar) grad. The output layer runs
// three matmuls per token instead of four; one pair's [rows, v] logits are live at a time (the
// caller bounds that), plus the [v, h] lm_head gradient.
//
// Tokens come flat ([N] rows of hidden, labels, seq ids), ordered by sequence id: ids 0..B-1 are
// the chosen rows, B..2B-1 the rejected rows (pair k = ids k and B+k), ref [2B] the reference sums.
#include "shim_internal.h"
#include <cmath>
#include <torch/csrc/autograd/custom_function.h>

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

double log_sigmoid(double z) { return z >= 0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z)); }
double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

struct FusedDpoSigmoid : public torch::autograd::Function<FusedDpoSigmoid> {
  static variable_list forward(AutogradContext* ctx, at::Tensor hidden, at::Tensor weight, at::Tensor labels,
                               at::Tensor seq, at::Tensor ref, double beta, double smoothing, double scale) {
    const int64_t n = hidden.size(0), seqs = ref.size(0), pairs = seqs / 2;
    const bool need_h = hidden.requires_grad(), need_w = weight.requires_grad();
    auto f32 = hidden.options().dtype(at::kFloat);
    at::Tensor logps = at::zeros({n}, f32), sums = at::zeros({n}, f32);
    at::Tensor gh = need_h ? at::zeros_like(hidden) : at::Tensor();
    at::Tensor gw = need_w ? at::zeros(weight.sizes(), weight.options().dtype(at::kFloat)) : at::Tensor();
    // row range of every sequence (seq is sorted)
    at::Tensor counts = at::bincount(seq, {}, seqs).to(at::kLong).contiguous();
    std::vector<int64_t> start(seqs + 1, 0);
    const int64_t* cnt = counts.data_ptr<int64_t>();
    for (int64_t i = 0; i < seqs; ++i) start[i + 1] = start[i] + cnt[i];
    const at::ScalarType gd = lt::gemm_dtype(hidden);  // bf16 under autocast, as eager's lm_head GEMMs
    const at::Tensor wg = weight.to(gd);
    at::Tensor refc = ref.to(at::kDouble).contiguous();
    const double* rs = refc.data_ptr<double>();
    double loss = 0;
    for (int64_t k = 0; k < pairs; ++k) {
      const int64_t side[2] = {k, pairs + k};
      at::Tensor logits[2], lse[2];
      double s[2] = {0, 0};
      for (int j = 0; j < 2; ++j) {
        const int64_t a = start[side[j]], c = start[side[j] + 1] - a;
        if (c == 0) continue;
        logits[j] = at::matmul(hidden.narrow(0, a, c).to(gd), wg.t()).to(at::kFloat);  // [c, v]
        sums.narrow(0, a, c).copy_(logits[j].sum(1));
        lse[j] = at::logsumexp(logits[j], {1});
        at::Tensor lp = logits[j].gather(1, labels.narrow(0, a, c).unsqueeze(1)).squeeze(1).sub(lse[j]);
        logps.narrow(0, a, c).copy_(lp);
        s[j] = lp.sum().item<double>();
      }
      const double z = beta * ((s[0] - rs[side[0]]) - (s[1] - rs[side[1]]));
      loss += -(1 - smoothing) * log_sigmoid(z) - smoothing * log_sigmoid(-z);
      const double dz = (-(1 - smoothing) * sigmoid(-z) + smoothing * sigmoid(z)) * scale / pairs;
      if (!need_h && !need_w) continue;
      for (int j = 0; j < 2; ++j) {
        const int64_t a = start[side[j]], c = start[side[j] + 1] - a;
        if (c == 0) continue;
        const double g = (j == 0 ? 1 : -1) * dz * beta;
        // d = g * (onehot(y) - p), in place in the logits buffer
        at::Tensor d = logits[j].sub_(lse[j].unsqueeze(1)).exp_().mul_(-g);
        at::Tensor lab = labels.narrow(0, a, c).unsqueeze(1);
        d.scatter_add_(1, lab, at::full({c, 1}, g, d.options()));
        at::Tensor h = hidden.narrow(0, a, c);
        at::Tensor dd = d.to(gd);
        if (need_h) gh.narrow(0, a, c).copy_(at::matmul(dd, wg));
        if (need_w) {
          if (gd == at::kFloat && h.scalar_type() == at::kFloat) gw.addmm_(d.t(), h);  // in place: no [v, h] temporary
          else gw.add_(at::matmul(dd.t(), h.to(gd)).to(at::kFloat));
        }
      }
    }
    at::Tensor out = at::scalar_tensor(scale * loss / std::max<int64_t>(pairs, 1), f32);
    ctx->save_for_backward({gh, need_w ? gw.to(weight.scalar_type()) : gw});
    ctx->mark_non_differentiable({logps, sums});
    return {out, logps, sums};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    at::Tensor g = grads[0];
    at::Tensor gh, gw;
    if (g.defined()) {
      if (saved[0].defined()) gh = saved[0].mul(g.to(saved[0].scalar_type()));
      if (saved[1].defined()) gw = saved[1].mul(g.to(saved[1].scalar_type()));
    }
    return {gh, gw, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

std::vector<at::Tensor> lt::fused_dpo_sigmoid(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                                              const at::Tensor& seq, const at::Tensor& ref, double beta, double smoothing,
                                              double scale) {
  if (hidden.dim() != 2 || weight.dim() != 2 || weight.size(1) != hidden.size(1) || labels.dim() != 1 ||
      seq.dim() != 1 || labels.size(0) != hidden.size(0) || seq.size(0) != hidden.size(0) || ref.dim() != 1 ||
      ref.size(0) % 2 != 0) {
    throw std::invalid_argument("fused_dpo_sigmoid: expected hidden [n, h], weight [v, h], labels [n], seq [n], ref [2b]");
  }
  at::Tensor lab = labels.to(at::kLong), sq = seq.to(at::kLong).contiguous();
  if (lab.numel() > 0 && (lab.min().item<int64_t>() < 0 || lab.max().item<int64_t>() >= weight.size(0))) {
    throw std::invalid_argument("fused_dpo_sigmoid: labels must lie in [0, vocab)");
  }
  if (sq.numel() > 0 && (sq.min().item<int64_t>() < 0 || sq.max().item<int64_t>() >= ref.size(0) ||
                         (sq.numel() > 1 && sq.diff().lt(0).any().item<bool>()))) {
    throw std::invalid_argument("fused_dpo_sigmoid: seq must be sorted ids in [0, 2b)");
  }
  if (!(beta > 0)) throw std::invalid_argument("fused_dpo_sigmoid: beta must be > 0");
  return FusedDpoSigmoid::apply(hidden, weight, lab, sq, ref.detach(), beta, smoothing, scale);
}
