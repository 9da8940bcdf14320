// Chunked label log-probs as a custom autograd function: log p(y_i | h_i) = h_i.w_y - lse(h_i W^T)
// over flattened tokens, never holding more than one chunk's [c, v] logits. Forward saves only
// the per-token logsumexp; backward recomputes each chunk's logits (checkpoint style):
//   d out_i / d logits_i = onehot(y_i) - softmax(logits_i), scaled by the incoming grad g_i.
//
// Sampler/trainer agreement (grpo-spec §9.4): an optional per-token threshold tau_i [n] restricts
// the softmax to the tokens whose logit is >= tau_i (the sampler's kept set after top-k / top-p /
// min-p, all of which keep "every token at or above some logit"); -inf keeps the whole vocabulary.
// The label itself is always kept, so a label that fell out of the set after an update gets a
// finite log-prob instead of -inf. Temperature is the caller's (hidden / T: the op is linear in
// hidden). The per-token entropy of the same (restricted) distribution comes out without grad.
//
// Note for whoever fuses this into a forward-gradient kernel: the three outputs (log-probs,
// logit sums, entropy) and the threshold input are part of the contract (GRPO, DPO metrics and
// the rollout engine's on-policy spec rely on them); keep them.
#include "shim_internal.h"
#include <torch/csrc/autograd/custom_function.h>

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// [c, h] x [v, h] -> [c, v] f32, the GEMM in w's dtype (the op's gemm dtype: w is cast once per pass)
at::Tensor chunk_logits(const at::Tensor& h, const at::Tensor& w) {
  return at::matmul(h.to(w.scalar_type()), w.t()).to(at::kFloat);
}

// Logits with the tokens outside the kept set at -inf (the label always kept); tau [c], or empty for none
// (an empty tau [0] stands for none: custom autograd functions cannot take undefined tensor inputs)
at::Tensor restrict_to_kept(at::Tensor logits, const at::Tensor& tau, const at::Tensor& label) {
  if (tau.numel() == 0) return logits;
  at::Tensor lab = label.unsqueeze(1);  // [c, 1]
  at::Tensor own = logits.gather(1, lab);
  logits.masked_fill_(logits.lt(tau.unsqueeze(1)), -std::numeric_limits<float>::infinity());
  return logits.scatter_(1, lab, own);
}

struct LabelLogprobs : public torch::autograd::Function<LabelLogprobs> {
  static variable_list forward(AutogradContext* ctx, at::Tensor hidden, at::Tensor weight, at::Tensor labels,
                               at::Tensor tau, int64_t chunk) {
    const int64_t n = hidden.size(0);
    auto f32 = hidden.options().dtype(at::kFloat);
    at::Tensor out = at::zeros({n}, f32), lse = at::zeros({n}, f32), sums = at::zeros({n}, f32);
    at::Tensor ent = at::zeros({n}, f32);
    at::Tensor valid = labels.ge(0);
    at::Tensor safe = labels.mul(valid);
    const at::ScalarType gd = lt::gemm_dtype(hidden);
    const at::Tensor wg = weight.to(gd);
    for (int64_t s = 0; s < n; s += chunk) {
      const int64_t c = std::min(chunk, n - s);
      at::Tensor logits = chunk_logits(hidden.narrow(0, s, c), wg);
      sums.narrow(0, s, c).copy_(logits.sum(1));  // of the raw logits: TRL's logits metrics
      at::Tensor lab = safe.narrow(0, s, c);
      logits = restrict_to_kept(logits, tau.numel() ? tau.narrow(0, s, c) : tau, lab);
      at::Tensor l = at::logsumexp(logits, {1});
      at::Tensor tgt = logits.gather(1, lab.unsqueeze(1)).squeeze(1);
      out.narrow(0, s, c).copy_(tgt.sub(l));
      lse.narrow(0, s, c).copy_(l);
      // H = lse - sum p * logit; excluded tokens have p = 0 (and -inf logits, so zero them first)
      at::Tensor p = logits.sub(l.unsqueeze(1)).exp_();
      at::Tensor pl = p.mul_(logits.masked_fill(logits.isinf(), 0)).sum(1);
      ent.narrow(0, s, c).copy_(l.sub(pl));
    }
    out.mul_(valid);
    ent.mul_(valid);
    ctx->save_for_backward({hidden, weight, labels, lse, tau});
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["gemm"] = static_cast<int64_t>(gd);
    ctx->mark_non_differentiable({sums, ent});
    return {out, sums, ent};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& hidden = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& labels = saved[2];
    const at::Tensor& lse = saved[3];
    const at::Tensor& tau = saved[4];
    const int64_t chunk = ctx->saved_data["chunk"].toInt();
    const bool need_h = ctx->needs_input_grad(0), need_w = ctx->needs_input_grad(1);
    at::Tensor g = grads[0];
    variable_list none = {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    if (!g.defined() || (!need_h && !need_w)) return none;
    at::Tensor valid = labels.ge(0);
    g = g.to(at::kFloat).mul(valid);  // ignored tokens contribute nothing
    at::Tensor safe = labels.mul(valid);
    const int64_t n = hidden.size(0);
    at::Tensor gh = need_h ? at::empty_like(hidden) : at::Tensor();
    at::Tensor gw = need_w ? at::zeros(weight.sizes(), weight.options().dtype(at::kFloat)) : at::Tensor();
    const auto gd = static_cast<at::ScalarType>(ctx->saved_data["gemm"].toInt());
    const at::Tensor wg = weight.to(gd);
    for (int64_t s = 0; s < n; s += chunk) {
      const int64_t c = std::min(chunk, n - s);
      at::Tensor h = hidden.narrow(0, s, c);
      at::Tensor lab = safe.narrow(0, s, c);
      at::Tensor gc = g.narrow(0, s, c).unsqueeze(1);  // [c, 1]
      // d = g * (onehot(y) - p), built in place in the recomputed logits buffer (p = 0 outside the kept set)
      at::Tensor logits = restrict_to_kept(chunk_logits(h, wg), tau.numel() ? tau.narrow(0, s, c) : tau, lab);
      at::Tensor d = logits.sub_(lse.narrow(0, s, c).unsqueeze(1)).exp_().mul_(gc.neg());
      d.scatter_add_(1, lab.unsqueeze(1), gc);
      at::Tensor dd = d.to(gd);
      if (need_h) gh.narrow(0, s, c).copy_(at::matmul(dd, wg));
      if (need_w) {
        if (gd == at::kFloat && h.scalar_type() == at::kFloat) gw.addmm_(d.t(), h);  // in place: no [v, h] temporary
        else gw.add_(at::matmul(dd.t(), h.to(gd)).to(at::kFloat));
      }
    }
    return {gh, need_w ? gw.to(weight.scalar_type()) : at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

std::vector<at::Tensor> lt::label_logprobs(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                                           const c10::optional<at::Tensor>& threshold, int64_t chunk) {
  if (hidden.dim() != 2 || weight.dim() != 2 || labels.dim() != 1 || labels.size(0) != hidden.size(0) ||
      weight.size(1) != hidden.size(1)) {
    throw std::invalid_argument("label_logprobs: expected hidden [n, h], weight [v, h], labels [n]");
  }
  if (chunk <= 0) throw std::invalid_argument("label_logprobs: chunk must be positive");
  at::Tensor tau = at::empty({0}, hidden.options().dtype(at::kFloat));
  if (threshold.has_value() && threshold->defined()) {
    if (threshold->dim() != 1 || threshold->size(0) != hidden.size(0)) {
      throw std::invalid_argument("label_logprobs: expected threshold [n] matching hidden [n, h]");
    }
    tau = threshold->to(at::kFloat).contiguous();
  }
  return LabelLogprobs::apply(hidden, weight, labels, tau, chunk);
}
