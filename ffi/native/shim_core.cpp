// Hand-written part of the shim: lifetime, metadata, data copies, autograd, runtime settings.
// Typed ops are generated from ops.def (ops_gen.cpp); the dispatcher entry is in shim_dispatch.cpp.
#include "shim_internal.h"
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/version.h>
#include <sstream>
#include <mutex>

namespace lt {
std::atomic<int64_t> live{0};

char* dup(const std::string& s) {
  char* p = (char*) std::malloc(s.size() + 1);
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

char* error_message(const char* what) { return dup(what ? what : "(no message)"); }

void wrap_list(const std::vector<at::Tensor>& ts, lt_tensor** out, int64_t* n) {
  *n = (int64_t) ts.size();
  *out = (lt_tensor*) std::malloc(sizeof(lt_tensor) * (ts.size() ? ts.size() : 1));
  for (size_t i = 0; i < ts.size(); i++) (*out)[i] = wrap(ts[i]);
}
}  // namespace lt

extern "C" {

int64_t lt_abi_version(void) { return LT_ABI_VERSION; }
void lt_error_free(lt_error e) { std::free(e); }
void lt_free(void* p) { std::free(p); }

lt_error lt_version(char** out) {
  LT_TRY
  *out = lt::dup(TORCH_VERSION);
  LT_CATCH
}

lt_error lt_config(char** out) {
  LT_TRY
  *out = lt::dup(at::show_config());
  LT_CATCH
}

lt_error lt_init(int64_t intra, int64_t inter) {
  LT_TRY
  if (inter > 0 && at::get_num_interop_threads() != inter) {
    try { at::set_num_interop_threads((int) inter); } catch (...) { /* only settable once */ }
  }
  if (intra > 0) at::set_num_threads((int) intra);
  LT_CATCH
}

int64_t lt_num_threads(void) { return at::get_num_threads(); }

int64_t lt_cuda_device_count(void) {
  try { return at::detail::getCUDAHooks().getNumGPUs(); } catch (...) { return 0; }
}

lt_error lt_manual_seed(int64_t seed) {
  LT_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed((uint64_t) seed);
  LT_CATCH
}

lt_error lt_rng_state(lt_tensor* out) {
  LT_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  *out = lt::wrap(gen.get_state());
  LT_CATCH
}

lt_error lt_set_rng_state(lt_tensor state) {
  LT_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(lt::T(state));
  LT_CATCH
}

void lt_tensor_free(lt_tensor t) {
  if (t == 0) return;
  delete (at::Tensor*) t;
  lt::live.fetch_sub(1, std::memory_order_relaxed);
}

lt_tensor lt_tensor_share(lt_tensor t) { return lt::wrap(*(at::Tensor*) t); }
int64_t lt_live_tensors(void) { return lt::live.load(); }
int32_t lt_tensor_defined(lt_tensor t) { return t != 0 && ((at::Tensor*) t)->defined(); }

int64_t lt_tensor_dim(lt_tensor t) { return lt::T(t).dim(); }
void lt_tensor_sizes(lt_tensor t, int64_t* out) {
  auto s = lt::T(t).sizes();
  for (size_t i = 0; i < s.size(); i++) out[i] = s[i];
}
void lt_tensor_strides(lt_tensor t, int64_t* out) {
  auto s = lt::T(t).strides();
  for (size_t i = 0; i < s.size(); i++) out[i] = s[i];
}
int32_t lt_tensor_dtype(lt_tensor t) { return (int32_t) lt::T(t).scalar_type(); }
int32_t lt_tensor_device_type(lt_tensor t) { return (int32_t) lt::T(t).device().type(); }
int32_t lt_tensor_device_index(lt_tensor t) { return (int32_t) lt::T(t).device().index(); }
int64_t lt_tensor_numel(lt_tensor t) { return lt::T(t).numel(); }
int32_t lt_tensor_requires_grad(lt_tensor t) { return lt::T(t).requires_grad(); }
int32_t lt_tensor_is_leaf(lt_tensor t) { return lt::T(t).is_leaf(); }

lt_error lt_from_data(const void* data, int64_t nbytes, const int64_t* shape, int64_t ndim,
                      int32_t dtype, lt_tensor* out) {
  LT_TRY
  auto t = at::empty(at::IntArrayRef(shape, (size_t) ndim), at::TensorOptions().dtype((c10::ScalarType) dtype));
  int64_t want = t.numel() * (int64_t) t.element_size();
  TORCH_CHECK(want == nbytes, "from_data: ", nbytes, " bytes given, shape ", t.sizes(), " of ",
              t.scalar_type(), " needs ", want);
  if (nbytes) std::memcpy(t.data_ptr(), data, (size_t) nbytes);
  *out = lt::wrap(t);
  LT_CATCH
}

lt_error lt_copy_to(lt_tensor h, void* dst, int64_t nbytes) {
  LT_TRY
  auto t = lt::T(h).detach().to(at::kCPU).contiguous();
  int64_t have = t.numel() * (int64_t) t.element_size();
  TORCH_CHECK(have == nbytes, "copy_to: tensor holds ", have, " bytes, buffer has ", nbytes);
  if (nbytes) std::memcpy(dst, t.data_ptr(), (size_t) nbytes);
  LT_CATCH
}

lt_error lt_item_double(lt_tensor t, double* out) {
  LT_TRY
  *out = lt::T(t).item<double>();
  LT_CATCH
}

lt_error lt_item_long(lt_tensor t, int64_t* out) {
  LT_TRY
  *out = lt::T(t).item<int64_t>();
  LT_CATCH
}

lt_error lt_to_string(lt_tensor t, char** out) {
  LT_TRY
  std::ostringstream s;
  s << lt::T(t);
  *out = lt::dup(s.str());
  LT_CATCH
}

lt_error lt_backward(lt_tensor t, lt_tensor grad, int32_t retain, int32_t create) {
  LT_TRY
  const at::Tensor& x = lt::T(t);
  at::Tensor g = grad ? lt::T(grad) : at::Tensor();
  x.backward(g, retain ? c10::optional<bool>(true) : c10::optional<bool>(false), create != 0);
  LT_CATCH
}

lt_error lt_autograd_grad(const lt_tensor* outputs, int64_t n_out, const lt_tensor* inputs, int64_t n_in,
                          int32_t retain, int32_t create, lt_tensor* out_grads) {
  LT_TRY
  auto gs = torch::autograd::grad(lt::list(outputs, n_out), lt::list(inputs, n_in), {},
                                  retain ? c10::optional<bool>(true) : c10::optional<bool>(false),
                                  create != 0, /*allow_unused=*/true);
  for (int64_t i = 0; i < n_in; i++) out_grads[i] = gs[i].defined() ? lt::wrap(gs[i]) : 0;
  LT_CATCH
}

lt_error lt_grad(lt_tensor t, lt_tensor* out) {
  LT_TRY
  const at::Tensor& g = lt::T(t).grad();
  *out = g.defined() ? lt::wrap(g) : 0;
  LT_CATCH
}

lt_error lt_set_grad(lt_tensor t, lt_tensor g) {
  LT_TRY
  const at::Tensor& x = lt::T(t);
  if (g == 0) x.mutable_grad().reset();
  else x.mutable_grad() = lt::T(g);
  LT_CATCH
}

void lt_set_grad_enabled(int32_t on) { c10::GradMode::set_enabled(on != 0); }
int32_t lt_is_grad_enabled(void) { return c10::GradMode::is_enabled(); }

lt_error lt_set_autocast(int32_t on, int32_t dtype) {
  LT_TRY
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  // 2.4 replaced the per-device setters with device-typed ones
  at::autocast::set_autocast_dtype(at::kCPU, (c10::ScalarType) dtype);
  at::autocast::set_autocast_enabled(at::kCPU, on != 0);
#else
  at::autocast::set_autocast_cpu_dtype((c10::ScalarType) dtype);
  at::autocast::set_cpu_enabled(on != 0);
#endif
  if (!on) at::autocast::clear_cache();
  LT_CATCH
}
int32_t lt_is_autocast(void) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(at::kCPU);
#else
  return at::autocast::is_cpu_enabled();
#endif
}

}  // extern "C"
