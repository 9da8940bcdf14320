// The escape hatch: call any registered ATen operator by name through the dispatcher, so
// recipes and the REPL reach ops that have no typed wrapper in ops.def. Arguments are pushed
// positionally; trailing arguments left out take the schema's defaults.
#include "shim_internal.h"
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <sstream>

using Stack = std::vector<c10::IValue>;
static Stack& S(lt_args s) { return *(Stack*) s; }

static const c10::OperatorHandle& find_op(const char* name, const char* overload) {
  std::string n(name);
  if (n.find("::") == std::string::npos) n = "aten::" + n;
  auto op = c10::Dispatcher::singleton().findSchema({n, overload ? overload : ""});
  if (!op) {
    std::ostringstream msg;
    msg << "no operator " << n << (overload && *overload ? std::string(".") + overload : "")
        << " is registered with the dispatcher";
    throw std::invalid_argument(msg.str());
  }
  static thread_local c10::OperatorHandle keep = *op;  // findSchema returns by value
  keep = *op;
  return keep;
}

// Make pushed values fit the schema: ints where floats are declared, defaults for the tail.
static void fit(const c10::FunctionSchema& schema, Stack& st) {
  const auto& args = schema.arguments();
  TORCH_CHECK(st.size() <= args.size(), schema.name(), " takes ", args.size(), " arguments, ",
              st.size(), " given: ", schema);
  for (size_t i = 0; i < st.size(); i++) {
    auto kind = args[i].type()->kind();
    if (kind == c10::TypeKind::FloatType && st[i].isInt()) st[i] = (double) st[i].toInt();
    if (kind == c10::TypeKind::IntType && st[i].isDouble()) {
      double d = st[i].toDouble();
      TORCH_CHECK(d == (double) (int64_t) d, "argument ", args[i].name(), " of ", schema.name(),
                  " is an int, got ", d);
      st[i] = (int64_t) d;
    }
  }
  for (size_t i = st.size(); i < args.size(); i++) {
    TORCH_CHECK(args[i].default_value().has_value(), "argument ", args[i].name(), " of ", schema.name(),
                " has no default and was not given: ", schema);
    st.push_back(*args[i].default_value());
  }
}

extern "C" {

lt_args lt_stack_new(void) { return (lt_args) new Stack(); }
void lt_stack_free(lt_args s) { delete (Stack*) s; }
void lt_stack_push_tensor(lt_args s, lt_tensor t) { S(s).emplace_back(lt::T(t)); }
void lt_stack_push_none(lt_args s) { S(s).emplace_back(); }
void lt_stack_push_double(lt_args s, double v) { S(s).emplace_back(v); }
void lt_stack_push_int(lt_args s, int64_t v) { S(s).emplace_back(v); }
void lt_stack_push_bool(lt_args s, int32_t v) { S(s).emplace_back(v != 0); }
void lt_stack_push_string(lt_args s, const char* v) { S(s).emplace_back(std::string(v)); }
void lt_stack_push_int_list(lt_args s, const int64_t* v, int64_t n) {
  S(s).emplace_back(std::vector<int64_t>(v, v + n));
}
void lt_stack_push_double_list(lt_args s, const double* v, int64_t n) {
  S(s).emplace_back(std::vector<double>(v, v + n));
}
void lt_stack_push_tensor_list(lt_args s, const lt_tensor* v, int64_t n) {
  S(s).emplace_back(c10::List<at::Tensor>(lt::list(v, n)));
}

lt_error lt_op_call(const char* name, const char* overload, lt_args s) {
  LT_TRY
  const auto& op = find_op(name, overload);
  fit(op.schema(), S(s));
  op.callBoxed(&S(s));
  LT_CATCH
}

lt_error lt_op_schema(const char* name, const char* overload, char** out) {
  LT_TRY
  std::ostringstream m;
  m << find_op(name, overload).schema();
  *out = lt::dup(m.str());
  LT_CATCH
}

int64_t lt_stack_size(lt_args s) { return (int64_t) S(s).size(); }

int32_t lt_stack_kind(lt_args s, int64_t i) {
  const auto& v = S(s).at((size_t) i);
  if (v.isNone()) return 0;
  if (v.isTensor()) return 1;
  if (v.isDouble()) return 2;
  if (v.isInt()) return 3;
  if (v.isBool()) return 4;
  if (v.isTensorList()) return 5;
  if (v.isIntList()) return 6;
  if (v.isString()) return 7;
  return 8;
}

lt_error lt_stack_get_tensor(lt_args s, int64_t i, lt_tensor* out) {
  LT_TRY
  *out = lt::wrap(S(s).at((size_t) i).toTensor());
  LT_CATCH
}
lt_error lt_stack_get_double(lt_args s, int64_t i, double* out) {
  LT_TRY
  const auto& v = S(s).at((size_t) i);
  *out = v.isInt() ? (double) v.toInt() : v.isBool() ? (double) v.toBool() : v.toDouble();
  LT_CATCH
}
lt_error lt_stack_get_int(lt_args s, int64_t i, int64_t* out) {
  LT_TRY
  const auto& v = S(s).at((size_t) i);
  *out = v.isBool() ? (int64_t) v.toBool() : v.toInt();
  LT_CATCH
}
lt_error lt_stack_get_tensor_list(lt_args s, int64_t i, lt_tensor** out, int64_t* n) {
  LT_TRY
  lt::wrap_list(S(s).at((size_t) i).toTensorVector(), out, n);
  LT_CATCH
}
lt_error lt_stack_get_int_list(lt_args s, int64_t i, int64_t** out, int64_t* n) {
  LT_TRY
  auto v = S(s).at((size_t) i).toIntVector();
  *n = (int64_t) v.size();
  *out = (int64_t*) std::malloc(sizeof(int64_t) * (v.size() ? v.size() : 1));
  for (size_t k = 0; k < v.size(); k++) (*out)[k] = v[k];
  LT_CATCH
}

}  // extern "C"
