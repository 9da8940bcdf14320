// Lathe's C surface over libtorch. Plain C only: opaque handles (intptr_t-sized tokens),
// int64_t, double, pointers, length-prefixed arrays. Every fallible function returns an
// lt_error: NULL on success, else a malloc'd message the caller releases with lt_error_free.
// Every returned handle is caller-owned and released with its *_free function.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LT_API __attribute__((visibility("default")))
#define LT_ABI_VERSION 1

typedef intptr_t lt_tensor;   /* owns one reference to an at::Tensor */
typedef intptr_t lt_args;     /* an argument/result stack for dispatcher calls */
typedef intptr_t lt_group;    /* a c10d process group with its rendezvous store (shim_dist.cpp) */
typedef char* lt_error;

LT_API int64_t lt_abi_version(void);
LT_API void lt_error_free(lt_error e);
LT_API void lt_free(void* p);                       /* frees arrays the shim malloc'd */
LT_API lt_error lt_version(char** out);              /* "1.13.0", caller frees with lt_free */
LT_API lt_error lt_config(char** out);               /* at::show_config() */
LT_API lt_error lt_init(int64_t intra_threads, int64_t inter_threads);
LT_API int64_t lt_num_threads(void);
LT_API int64_t lt_cuda_device_count(void);
LT_API lt_error lt_manual_seed(int64_t seed);
LT_API lt_error lt_rng_state(lt_tensor* out);
LT_API lt_error lt_set_rng_state(lt_tensor state);

/* lifetime */
LT_API void lt_tensor_free(lt_tensor t);
LT_API lt_tensor lt_tensor_share(lt_tensor t);       /* another handle on the same tensor */
LT_API int64_t lt_live_tensors(void);                 /* handles not yet freed */
LT_API int32_t lt_tensor_defined(lt_tensor t);

/* metadata: cheap, cannot fail on a defined tensor */
LT_API int64_t lt_tensor_dim(lt_tensor t);
LT_API void lt_tensor_sizes(lt_tensor t, int64_t* out);
LT_API void lt_tensor_strides(lt_tensor t, int64_t* out);
LT_API int32_t lt_tensor_dtype(lt_tensor t);
LT_API int32_t lt_tensor_device_type(lt_tensor t);
LT_API int32_t lt_tensor_device_index(lt_tensor t);
LT_API int64_t lt_tensor_numel(lt_tensor t);
LT_API int32_t lt_tensor_requires_grad(lt_tensor t);
LT_API int32_t lt_tensor_is_leaf(lt_tensor t);

/* data in and out (contiguous copies) */
LT_API lt_error lt_from_data(const void* data, int64_t nbytes, const int64_t* shape, int64_t ndim,
                             int32_t dtype, lt_tensor* out);
LT_API lt_error lt_copy_to(lt_tensor t, void* dst, int64_t nbytes);
LT_API lt_error lt_item_double(lt_tensor t, double* out);
LT_API lt_error lt_item_long(lt_tensor t, int64_t* out);
LT_API lt_error lt_to_string(lt_tensor t, char** out);

/* autograd */
LT_API lt_error lt_backward(lt_tensor t, lt_tensor grad_or_0, int32_t retain_graph, int32_t create_graph);
LT_API lt_error lt_autograd_grad(const lt_tensor* outputs, int64_t n_out, const lt_tensor* inputs,
                                 int64_t n_in, int32_t retain_graph, int32_t create_graph,
                                 lt_tensor* out_grads /* n_in, 0 where unused */);
LT_API lt_error lt_grad(lt_tensor t, lt_tensor* out);   /* 0 when the tensor has no grad */
LT_API lt_error lt_set_grad(lt_tensor t, lt_tensor g_or_0);
LT_API void lt_set_grad_enabled(int32_t on);
LT_API int32_t lt_is_grad_enabled(void);
LT_API lt_error lt_set_autocast(int32_t on, int32_t dtype);
LT_API int32_t lt_is_autocast(void);

/* dispatcher: call any ATen operator by name ("aten::add", overload "Tensor") */
LT_API lt_args lt_stack_new(void);
LT_API void lt_stack_free(lt_args s);
LT_API void lt_stack_push_tensor(lt_args s, lt_tensor t);
LT_API void lt_stack_push_none(lt_args s);
LT_API void lt_stack_push_double(lt_args s, double v);
LT_API void lt_stack_push_int(lt_args s, int64_t v);
LT_API void lt_stack_push_bool(lt_args s, int32_t v);
LT_API void lt_stack_push_string(lt_args s, const char* v);
LT_API void lt_stack_push_int_list(lt_args s, const int64_t* v, int64_t n);
LT_API void lt_stack_push_double_list(lt_args s, const double* v, int64_t n);
LT_API void lt_stack_push_tensor_list(lt_args s, const lt_tensor* v, int64_t n);
LT_API lt_error lt_op_call(const char* name, const char* overload, lt_args s);
LT_API lt_error lt_op_schema(const char* name, const char* overload, char** out);
LT_API int64_t lt_stack_size(lt_args s);
/* kind: 0 none, 1 tensor, 2 double, 3 int, 4 bool, 5 tensor list, 6 int list, 7 string, 8 other */
LT_API int32_t lt_stack_kind(lt_args s, int64_t i);
LT_API lt_error lt_stack_get_tensor(lt_args s, int64_t i, lt_tensor* out);
LT_API lt_error lt_stack_get_double(lt_args s, int64_t i, double* out);
LT_API lt_error lt_stack_get_int(lt_args s, int64_t i, int64_t* out);
LT_API lt_error lt_stack_get_tensor_list(lt_args s, int64_t i, lt_tensor** out, int64_t* n);
LT_API lt_error lt_stack_get_int_list(lt_args s, int64_t i, int64_t** out, int64_t* n);

/* distributed (c10d): a TCPStore rendezvous (rank 0 hosts it) and a process group. backend "gloo"
   (CPU) or "nccl" (CUDA builds only, see lt_dist_backends); device "" (hostname's address),
   "host:ADDR" or "if:NAME" for gloo. timeout_ms bounds the rendezvous and every collective.
   Collectives work in place on the given tensors, flattened into buckets of at most bucket_bytes. */
LT_API int32_t lt_dist_backends(void);               /* bit 0: gloo, bit 1: nccl */
LT_API lt_error lt_dist_init(const char* master_addr, int64_t master_port, int64_t rank, int64_t world,
                             const char* backend, const char* device, int64_t timeout_ms, lt_group* out);
LT_API void lt_dist_free(lt_group g);
/* op: 0 sum, 1 avg, 2 max, 3 min */
LT_API lt_error lt_dist_all_reduce(lt_group g, const lt_tensor* ts, int64_t n, int32_t op, int64_t bucket_bytes);
LT_API lt_error lt_dist_broadcast(lt_group g, const lt_tensor* ts, int64_t n, int64_t root, int64_t bucket_bytes);
LT_API lt_error lt_dist_all_gather(lt_group g, lt_tensor in, lt_tensor out);   /* out: [world, *in.shape] */
LT_API lt_error lt_dist_barrier(lt_group g);
/* the rendezvous store, for Lathe's own keys (failure reports); get gives NULL when the key is absent */
LT_API lt_error lt_dist_store_set(lt_group g, const char* key, const char* value);
LT_API lt_error lt_dist_store_get(lt_group g, const char* key, char** out);

#ifdef __cplusplus
}
#endif
