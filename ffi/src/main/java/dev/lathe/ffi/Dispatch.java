package dev.lathe.ffi;

import dev.lathe.ffi.internal.Shim;
import dev.lathe.ffi.internal.lathe_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls any ATen operator by name through libtorch's dispatcher (the escape hatch for ops
 * without a typed wrapper). Arguments are positional; omitted trailing ones take the schema's
 * defaults. Results come back as Java values: Long handle wrappers are {@link Handle}s.
 */
public final class Dispatch {
  private Dispatch() {}

  /** A tensor handle in an argument or result list (distinguishes it from an int). */
  public record Handle(long value) {}

  /** A marker for an explicit None argument. */
  public static final Object NONE = new Object() {
    @Override public String toString() { return "None"; }
  };

  public static String schema(String name, String overload) {
    Frame f = Frame.enter();
    Shim.check(lathe_h.lt_op_schema(f.string(name), f.string(overload), f.out(0)));
    return Shim.takeString(MemorySegment.ofAddress(f.outLong(0)));
  }

  /**
   * Args: Handle, Long/Integer, Double/Float, Boolean, String, long[]/int[], double[],
   * Handle[] or List of Handle, NONE/null. Returns each output: Handle, Long, Double, Boolean,
   * List of Handle, long[], or null.
   */
  public static List<Object> call(String name, String overload, Object... args) {
    long s = lathe_h.lt_stack_new();
    try {
      for (Object a : args) push(s, a);
      Frame f = Frame.enter();
      Shim.check(lathe_h.lt_op_call(f.string(name), f.string(overload == null ? "" : overload), s));
      int n = (int) lathe_h.lt_stack_size(s);
      List<Object> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) out.add(read(s, i));
      return out;
    } finally {
      lathe_h.lt_stack_free(s);
    }
  }

  private static void push(long s, Object a) {
    Frame f = Frame.enter();
    switch (a) {
      case null -> lathe_h.lt_stack_push_none(s);
      case Handle h -> lathe_h.lt_stack_push_tensor(s, h.value());
      case Boolean b -> lathe_h.lt_stack_push_bool(s, b ? 1 : 0);
      case Long l -> lathe_h.lt_stack_push_int(s, l);
      case Integer i -> lathe_h.lt_stack_push_int(s, i);
      case Double d -> lathe_h.lt_stack_push_double(s, d);
      case Float d -> lathe_h.lt_stack_push_double(s, d);
      case String str -> lathe_h.lt_stack_push_string(s, f.string(str));
      case long[] v -> lathe_h.lt_stack_push_int_list(s, f.longs(v), v.length);
      case int[] v -> {
        long[] w = new long[v.length];
        for (int i = 0; i < v.length; i++) w[i] = v[i];
        lathe_h.lt_stack_push_int_list(s, f.longs(w), w.length);
      }
      case double[] v -> lathe_h.lt_stack_push_double_list(s, f.doubles(v), v.length);
      case Handle[] hs -> pushTensors(s, f, List.of(hs));
      case List<?> l -> pushTensors(s, f, l);
      default -> {
        if (a == NONE) lathe_h.lt_stack_push_none(s);
        else throw new IllegalArgumentException("dispatcher argument of type " + a.getClass().getName()
            + " is not supported: use a tensor, number, boolean, string, int/double array, tensor list or None");
      }
    }
  }

  private static void pushTensors(long s, Frame f, List<?> l) {
    long[] hs = new long[l.size()];
    for (int i = 0; i < hs.length; i++) {
      if (!(l.get(i) instanceof Handle h)) throw new IllegalArgumentException("a list argument must hold tensors only");
      hs[i] = h.value();
    }
    lathe_h.lt_stack_push_tensor_list(s, f.longs(hs), hs.length);
  }

  private static Object read(long s, int i) {
    Frame f = Frame.enter();
    return switch (lathe_h.lt_stack_kind(s, i)) {
      case 0 -> null;
      case 1 -> {
        Shim.check(lathe_h.lt_stack_get_tensor(s, i, f.out(0)));
        yield new Handle(f.outLong(0));
      }
      case 2 -> {
        Shim.check(lathe_h.lt_stack_get_double(s, i, f.out(0)));
        yield f.outDouble(0);
      }
      case 3 -> {
        Shim.check(lathe_h.lt_stack_get_int(s, i, f.out(0)));
        yield f.outLong(0);
      }
      case 4 -> {
        Shim.check(lathe_h.lt_stack_get_int(s, i, f.out(0)));
        yield f.outLong(0) != 0;
      }
      case 5 -> {
        Shim.check(lathe_h.lt_stack_get_tensor_list(s, i, f.out(0), f.out(1)));
        List<Handle> hs = new ArrayList<>();
        for (long h : Shim.takeList(f.outLong(0), f.outLong(1))) hs.add(new Handle(h));
        yield hs;
      }
      case 6 -> {
        Shim.check(lathe_h.lt_stack_get_int_list(s, i, f.out(0), f.out(1)));
        long n = f.outLong(1);
        MemorySegment arr = MemorySegment.ofAddress(f.outLong(0)).reinterpret(8 * Math.max(n, 1));
        long[] v = arr.asSlice(0, 8 * n).toArray(ValueLayout.JAVA_LONG);
        lathe_h.lt_free(arr);
        yield v;
      }
      default -> throw new TorchException("dispatcher result " + i + " has a type Lathe cannot read back");
    };
  }
}
