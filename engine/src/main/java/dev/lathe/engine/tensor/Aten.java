package dev.lathe.engine.tensor;

import dev.lathe.ffi.Dispatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls any ATen operator by name through libtorch's dispatcher, for ops with no typed method:
 * {@code Aten.call("aten::logcumsumexp", x, 1L)}. Arguments: Tensor, Long/Integer, Double,
 * Boolean, String, long[], double[], List of Tensor, null for None. Results: Tensor (owned by
 * the current scope), Long, Double, Boolean, List of Tensor, long[] or null.
 */
public final class Aten {
  private Aten() {}

  public static List<Object> callAll(String op, Object... args) {
    String name = op;
    String overload = "";
    int dot = op.lastIndexOf('.');
    if (dot > op.lastIndexOf(':')) {
      name = op.substring(0, dot);
      overload = op.substring(dot + 1);
    }
    Object[] raw = new Object[args.length];
    for (int i = 0; i < args.length; i++) raw[i] = toRaw(args[i]);
    List<Object> out = new ArrayList<>();
    for (Object o : Dispatch.call(name, overload, raw)) out.add(fromRaw(o));
    return out;
  }

  /** The single result of an op (the first output). Name may carry an overload: "aten::add.Tensor". */
  public static Object call(String op, Object... args) {
    List<Object> r = callAll(op, args);
    return r.isEmpty() ? null : r.get(0);
  }

  /** The first output as a Tensor. */
  public static Tensor tensor(String op, Object... args) {
    Object r = call(op, args);
    if (r instanceof Tensor t) return t;
    throw new IllegalArgumentException(op + " did not return a tensor (got " + r + ")");
  }

  public static String schema(String op) {
    int dot = op.lastIndexOf('.');
    boolean hasOverload = dot > op.lastIndexOf(':');
    String name = hasOverload ? op.substring(0, dot) : op;
    return Dispatch.schema(name.contains("::") ? name : "aten::" + name, hasOverload ? op.substring(dot + 1) : "");
  }

  private static Object toRaw(Object a) {
    if (a instanceof Tensor t) return new Dispatch.Handle(t.handle());
    if (a instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Tensor) {
      List<Dispatch.Handle> hs = new ArrayList<>();
      for (Object o : l) hs.add(new Dispatch.Handle(((Tensor) o).handle()));
      return hs;
    }
    if (a instanceof DType d) return (long) d.code;
    return a;
  }

  private static Object fromRaw(Object o) {
    if (o instanceof Dispatch.Handle h) return Tensor.wrap(h.value());
    if (o instanceof List<?> l) {
      List<Tensor> ts = new ArrayList<>();
      for (Object x : l) ts.add(Tensor.wrap(((Dispatch.Handle) x).value()));
      return ts;
    }
    return o;
  }
}
