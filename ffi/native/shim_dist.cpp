// Distributed collectives through libtorch's own c10d: a TCPStore rendezvous (rank 0 hosts the
// server) and a ProcessGroupGloo on CPU tensors. A CUDA libtorch built with NCCL can take the
// "nccl" backend when compiled with -DLATHE_NCCL (build.sh sets it when $LIBTORCH has libtorch_cuda).
// Every call returns an error string; gloo's exceptions (peer closed, timeout) never reach the JVM.
#include "shim_internal.h"
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef LATHE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <chrono>
#include <memory>

namespace {

// 1.13: every backend is a c10d::ProcessGroup; 2.x split the collectives into c10d::Backend.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

struct Group {
  c10::intrusive_ptr<c10d::Store> store;   // the raw store (rank 0 hosts it), for Lathe's own keys
  c10::intrusive_ptr<Collectives> pg;
  int64_t rank = 0, world = 1;
};

Group& G(lt_group h) {
  if (h == 0) throw std::invalid_argument("null process group handle");
  return *(Group*) h;
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& where) {
  // "host:ADDR" binds to the interface holding ADDR; "if:NAME" to a named interface; "" = the
  // address the machine's hostname resolves to (gloo's default)
  if (where.rfind("host:", 0) == 0) return c10d::ProcessGroupGloo::createDeviceForHostname(where.substr(5));
  if (where.rfind("if:", 0) == 0) return c10d::ProcessGroupGloo::createDeviceForInterface(where.substr(3));
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

c10d::ReduceOp reduce_op(int32_t op) {
  switch (op) {
    case 0: case 1: return c10d::ReduceOp::SUM;  // 1 = avg: Gloo has no AVG, the sum is divided after
    case 2: return c10d::ReduceOp::MAX;
    case 3: return c10d::ReduceOp::MIN;
    default: throw std::invalid_argument("unknown reduce op " + std::to_string(op) + " (0 sum, 1 avg, 2 max, 3 min)");
  }
}

// Consecutive tensors of one dtype and device, up to cap bytes (at least one tensor per bucket).
std::vector<std::vector<at::Tensor>> buckets(const std::vector<at::Tensor>& ts, int64_t cap) {
  std::vector<std::vector<at::Tensor>> out;
  int64_t bytes = 0;
  for (const auto& t : ts) {
    TORCH_CHECK(t.defined(), "collective on an undefined tensor");
    int64_t b = t.numel() * (int64_t) t.element_size();
    bool fresh = out.empty() || bytes + b > cap || out.back()[0].scalar_type() != t.scalar_type() ||
                 out.back()[0].device() != t.device();
    if (fresh) { out.emplace_back(); bytes = 0; }
    out.back().push_back(t);
    bytes += b;
  }
  return out;
}

at::Tensor flatten(const std::vector<at::Tensor>& ts) {
  if (ts.size() == 1) return ts[0].detach().reshape({-1}).contiguous().clone();
  std::vector<at::Tensor> flat;
  for (const auto& t : ts) flat.push_back(t.detach().reshape({-1}));
  return at::cat(flat);
}

void unflatten(const at::Tensor& flat, const std::vector<at::Tensor>& ts) {
  at::NoGradGuard ng;
  int64_t off = 0;
  for (const auto& t : ts) {
    t.detach().copy_(flat.narrow(0, off, t.numel()).view(t.sizes()));
    off += t.numel();
  }
}

}  // namespace

extern "C" {

int32_t lt_dist_backends(void) {
#ifdef LATHE_NCCL
  return 3;
#else
  return 1;
#endif
}

lt_error lt_dist_init(const char* master_addr, int64_t master_port, int64_t rank, int64_t world,
                      const char* backend, const char* device, int64_t timeout_ms, lt_group* out) {
  LT_TRY
  TORCH_CHECK(world >= 1 && rank >= 0 && rank < world, "rank ", rank, " is outside world size ", world);
  TORCH_CHECK(master_port > 0 && master_port < 65536, "master port ", master_port, " is not a TCP port");
  auto timeout = std::chrono::milliseconds(timeout_ms);
  c10d::TCPStoreOptions so;
  so.port = (std::uint16_t) master_port;
  so.isServer = rank == 0;
  so.numWorkers = (std::size_t) world;
  so.waitWorkers = true;
  so.timeout = timeout;
  auto g = std::make_unique<Group>();
  g->store = c10::make_intrusive<c10d::TCPStore>(std::string(master_addr), so);
  g->rank = rank;
  g->world = world;
  auto pgStore = c10::make_intrusive<c10d::PrefixStore>("pg", g->store);
  std::string b(backend);
  if (b == "gloo") {
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    o->devices.push_back(gloo_device(device));
    o->threads = 2;
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(pgStore, (int) rank, (int) world, o);
  } else if (b == "nccl") {
#ifdef LATHE_NCCL
    auto o = c10d::ProcessGroupNCCL::Options::create();
    o->timeout = timeout;
    g->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(pgStore, (int) rank, (int) world, o);
#else
    TORCH_CHECK(false, "backend nccl: this shim was built without NCCL (needs a CUDA libtorch: LIBTORCH=... with LATHE_NCCL=1)");
#endif
  } else {
    TORCH_CHECK(false, "unknown backend '", b, "' (gloo or nccl)");
  }
  *out = (lt_group) g.release();
  LT_CATCH
}

void lt_dist_free(lt_group g) {
  if (g == 0) return;
  try { delete (Group*) g; } catch (...) { /* a broken group may throw while closing its pairs */ }
}

lt_error lt_dist_all_reduce(lt_group h, const lt_tensor* ts, int64_t n, int32_t op, int64_t bucket_bytes) {
  LT_TRY
  Group& g = G(h);
  c10d::AllreduceOptions o;
  o.reduceOp = reduce_op(op);
  auto bs = buckets(lt::list(ts, n), bucket_bytes);
  std::vector<std::vector<at::Tensor>> flats(bs.size());
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (size_t i = 0; i < bs.size(); i++) {  // every bucket in flight at once: gloo's threads pipeline them
    flats[i] = {flatten(bs[i])};
    works.push_back(g.pg->allreduce(flats[i], o));
  }
  for (size_t i = 0; i < bs.size(); i++) {
    works[i]->wait();
    if (op == 1) flats[i][0].div_(g.world);
    unflatten(flats[i][0], bs[i]);
  }
  LT_CATCH
}

lt_error lt_dist_broadcast(lt_group h, const lt_tensor* ts, int64_t n, int64_t root, int64_t bucket_bytes) {
  LT_TRY
  Group& g = G(h);
  c10d::BroadcastOptions o;
  o.rootRank = root;
  auto bs = buckets(lt::list(ts, n), bucket_bytes);
  std::vector<std::vector<at::Tensor>> flats(bs.size());
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (size_t i = 0; i < bs.size(); i++) {
    flats[i] = {flatten(bs[i])};
    works.push_back(g.pg->broadcast(flats[i], o));
  }
  for (size_t i = 0; i < bs.size(); i++) {
    works[i]->wait();
    if (g.rank != root) unflatten(flats[i][0], bs[i]);
  }
  LT_CATCH
}

lt_error lt_dist_all_gather(lt_group h, lt_tensor in, lt_tensor out) {
  LT_TRY
  Group& g = G(h);
  at::Tensor x = lt::T(in).detach().contiguous();
  const at::Tensor& y = lt::T(out);
  TORCH_CHECK(y.dim() == x.dim() + 1 && y.size(0) == g.world && y.sizes().slice(1) == x.sizes(),
              "all_gather: output must be [world=", g.world, ", ", x.sizes(), "], got ", y.sizes());
  TORCH_CHECK(y.scalar_type() == x.scalar_type(), "all_gather: output dtype ", y.scalar_type(), " != input ", x.scalar_type());
  std::vector<at::Tensor> inputs{x};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int64_t r = 0; r < g.world; r++) outputs[0].push_back(at::empty_like(x));
  g.pg->allgather(outputs, inputs)->wait();
  at::NoGradGuard ng;
  for (int64_t r = 0; r < g.world; r++) y.select(0, r).copy_(outputs[0][(size_t) r]);
  LT_CATCH
}

lt_error lt_dist_barrier(lt_group h) {
  LT_TRY
  G(h).pg->barrier()->wait();
  LT_CATCH
}

lt_error lt_dist_store_set(lt_group h, const char* key, const char* value) {
  LT_TRY
  std::string v(value);
  G(h).store->set(std::string(key), std::vector<uint8_t>(v.begin(), v.end()));
  LT_CATCH
}

lt_error lt_dist_store_get(lt_group h, const char* key, char** out) {
  LT_TRY
  Group& g = G(h);
  std::string k(key);
  if (!g.store->check({k})) {
    *out = nullptr;
  } else {
    auto v = g.store->get(k);
    *out = lt::dup(std::string(v.begin(), v.end()));
  }
  LT_CATCH
}

}  // extern "C"
