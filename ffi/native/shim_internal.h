// Helpers shared by the hand-written and the generated parts of the shim. C++ only.
#pragma once
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "lathe.h"

namespace lt {

extern std::atomic<int64_t> live;

inline lt_tensor wrap(at::Tensor t) {
  live.fetch_add(1, std::memory_order_relaxed);
  return (lt_tensor) new at::Tensor(std::move(t));
}
inline const at::Tensor& T(lt_tensor h) {
  if (h == 0) throw std::invalid_argument("null tensor handle");
  return *(at::Tensor*) h;
}
inline c10::optional<at::Tensor> optT(lt_tensor h) {
  if (h == 0) return c10::nullopt;
  return *(at::Tensor*) h;
}
inline std::vector<at::Tensor> list(const lt_tensor* hs, int64_t n) {
  std::vector<at::Tensor> v;
  v.reserve((size_t) n);
  for (int64_t i = 0; i < n; i++) v.push_back(T(hs[i]));
  return v;
}
inline at::Scalar scalar(double v, int32_t is_int) {
  return is_int ? at::Scalar((int64_t) v) : at::Scalar(v);
}
inline c10::Device device(int32_t type, int32_t index) {
  return c10::Device((c10::DeviceType) type, (c10::DeviceIndex) index);
}
inline at::TensorOptions opts(c10::ScalarType dt, c10::Device dev) {
  return at::TensorOptions().dtype(dt).device(dev);
}
// shim_logprobs.cpp: chunked label log-probs with recomputing backward, optionally restricted to the
// tokens at or above a per-token logit threshold -> {logps [n], logit sums [n], entropy [n] (no grad)}
std::vector<at::Tensor> label_logprobs(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                                       const c10::optional<at::Tensor>& threshold, int64_t chunk);
// shim_fused_dpo.cpp: sigmoid DPO loss over the output layer with its gradients formed in forward
// -> {loss (scalar), logps [n] (no grad), logit sums [n] (no grad)}
std::vector<at::Tensor> fused_dpo_sigmoid(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                                          const at::Tensor& seq, const at::Tensor& ref, double beta, double smoothing,
                                          double scale);
// shim_adamw.cpp: torch.optim.AdamW's update over all parameters in one pass each (bias corrections given)
void adamw_step(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads,
                const std::vector<at::Tensor>& exp_avg, const std::vector<at::Tensor>& exp_avg_sq, double lr,
                double beta1, double beta2, double eps, double weight_decay, double bc1, double bc2_sqrt);
// shim_fused.cpp: fused forward/backward kernels (composed ATen ops for inputs the loops do not cover)
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps);       // w * x / sqrt(mean(x^2) + eps)
at::Tensor silu_mul(const at::Tensor& g, const at::Tensor& u);                  // silu(g) * u
at::Tensor rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);  // x cos + rotate_half(x) sin
// The dtype the lm_head GEMMs of the fused log-prob ops run in: autocast's (bf16) when the forward runs under CPU
// autocast, as eager's linear would, else the hidden states'. Their backward passes run outside autocast, so the
// ops record it at forward time and cast explicitly: the recomputed logits then equal the forward's.
inline at::ScalarType gemm_dtype(const at::Tensor& hidden) {
  return at::autocast::is_cpu_enabled() ? at::autocast::get_autocast_cpu_dtype() : hidden.scalar_type();
}
void wrap_list(const std::vector<at::Tensor>& ts, lt_tensor** out, int64_t* n);
char* dup(const std::string& s);
char* error_message(const char* what);

}  // namespace lt

// Every exported function body sits between these: no C++ exception may cross into the JVM.
#define LT_TRY try {
#define LT_CATCH \
  return nullptr; \
  } catch (const c10::Error& e) { \
    return lt::error_message(e.what_without_backtrace()); \
  } catch (const std::exception& e) { \
    return lt::error_message(e.what()); \
  } catch (...) { \
    return lt::error_message("unknown C++ exception"); \
  }
