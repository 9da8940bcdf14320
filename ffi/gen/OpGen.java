import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads ffi/native/ops.def (the one source of truth for typed ops) and writes:
 *   - ops_gen.cpp / ops_gen.h : the extern "C" shim functions (errors returned, never thrown)
 *   - dev/lathe/ffi/internal/lathe_ops_h.java : one MethodHandle per C function (jextract's shape)
 *   - dev/lathe/ffi/Ops.java : typed Java entry points on long handles that check errors
 *
 * Run at build time with the JDK's source launcher: java OpGen.java ops.def nativeOut javaOut.
 * Line format:  name | Type arg, Type arg, ... -> Ret | C++ expression using the arg names
 */
public final class OpGen {
  record Arg(String type, String name) {}
  record Op(String name, List<Arg> args, String ret, String body, int line) {}

  public static void main(String[] a) throws IOException {
    Path def = Path.of(a[0]);
    List<Op> ops = parse(def);
    Path nat = Path.of(a[1]);
    Path java = Path.of(a[2]);
    Files.createDirectories(nat);
    writeIfChanged(nat.resolve("ops_gen.h"), header(ops));
    writeIfChanged(nat.resolve("ops_gen.cpp"), cpp(ops));
    Path pkg = java.resolve("dev/lathe/ffi");
    Files.createDirectories(pkg.resolve("internal"));
    writeIfChanged(pkg.resolve("internal/lathe_ops_h.java"), handles(ops));
    writeIfChanged(pkg.resolve("Ops.java"), typed(ops));
    writeIfChanged(pkg.resolve("internal/lathe_h.java"), coreHandles(def.resolveSibling("lathe.h")));
  }

  // ---------- the hand-written C surface (lathe.h) -> handles, read from the header itself ----------
  static String coreHandles(Path header) throws IOException {
    String text = Files.readString(header).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    var m = java.util.regex.Pattern.compile("LT_API\\s+([\\w\\s*]+?)\\s*\\b(\\w+)\\s*\\(([^)]*)\\)\\s*;").matcher(text);
    StringBuilder b = new StringBuilder("""
        // GENERATED from lathe.h by OpGen.java: do not edit.
        package dev.lathe.ffi.internal;

        import java.lang.foreign.*;
        import java.lang.invoke.MethodHandle;
        import static java.lang.foreign.ValueLayout.*;

        /** One downcall handle per function of lathe.h, named as in C (jextract's shape). */
        public final class lathe_h {
          private lathe_h() {}

        """);
    while (m.find()) {
      String ret = m.group(1).strip();
      String fn = m.group(2);
      List<String[]> ps = new ArrayList<>();
      String params = m.group(3).strip();
      if (!params.isEmpty() && !params.equals("void")) {
        int k = 0;
        for (String p : params.split(",")) {
          p = p.strip();
          String type = p.replaceAll("\\b\\w+$", "").strip();
          String name = p.replaceAll(".*?(\\w+)$", "$1");
          String[] ct = cType(type, header, fn);
          ps.add(new String[]{ct[0], ct[1], name.equals(p) ? "a" + k : name});
          k++;
        }
      }
      String[] r = ret.equals("void") ? null : cType(ret, header, fn);
      StringBuilder layouts = new StringBuilder(r == null ? "" : r[1]);
      StringBuilder decl = new StringBuilder(), call = new StringBuilder();
      for (String[] p : ps) {
        if (layouts.length() > 0) layouts.append(", ");
        layouts.append(p[1]);
        if (decl.length() > 0) { decl.append(", "); call.append(", "); }
        decl.append(p[0]).append(' ').append(p[2]);
        call.append(p[2]);
      }
      String fd = r == null ? "FunctionDescriptor.ofVoid(" + layouts + ")" : "FunctionDescriptor.of(" + layouts + ")";
      String jr = r == null ? "void" : r[0];
      b.append("  private static final class ").append(fn).append("$ {\n")
       .append("    static final MethodHandle HANDLE = Shim.downcall(\"").append(fn).append("\", ").append(fd).append(");\n  }\n")
       .append("  public static ").append(jr).append(' ').append(fn).append('(').append(decl).append(") {\n")
       .append("    try { ").append(r == null ? "" : "return (" + jr + ") ").append(fn).append("$.HANDLE.invokeExact(").append(call).append("); }\n")
       .append("    catch (Throwable ex$) { throw Shim.rethrow(ex$); }\n  }\n\n");
    }
    return b.append("}\n").toString();
  }

  static String[] cType(String t, Path header, String fn) {
    t = t.replace("const ", "").strip();
    if (t.endsWith("*") || t.equals("lt_error")) return new String[]{"MemorySegment", "ADDRESS"};
    return switch (t) {
      case "int64_t", "lt_tensor", "lt_args", "lt_group" -> new String[]{"long", "JAVA_LONG"};
      case "int32_t" -> new String[]{"int", "JAVA_INT"};
      case "double" -> new String[]{"double", "JAVA_DOUBLE"};
      default -> throw new IllegalArgumentException(header + ": " + fn + ": C type '" + t + "' has no mapping");
    };
  }

  static void writeIfChanged(Path p, String s) throws IOException {
    // keeps mtimes stable so the native build (make-like) does not recompile for nothing
    if (Files.exists(p) && Files.readString(p).equals(s)) return;
    Files.writeString(p, s);
  }

  static final List<String> TYPES = List.of("Tensor", "Tensor?", "TensorList", "double", "double?",
      "int64", "int64?", "bool", "IntList", "IntList?", "dtype", "dtype?", "Scalar", "str", "device");
  static final List<String> RETS = List.of("Tensor", "Tensor2", "Tensors", "double", "int64", "bool", "void");

  static List<Op> parse(Path def) throws IOException {
    List<Op> ops = new ArrayList<>();
    List<String> lines = Files.readAllLines(def);
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      String[] parts = l.split("\\|", 3);
      if (parts.length != 3) fail(def, i, "expected 'name | args -> Ret | body'");
      String name = parts[0].strip();
      String sig = parts[1].strip();
      int arrow = sig.lastIndexOf("->");
      if (arrow < 0) fail(def, i, "missing '-> Ret'");
      String ret = sig.substring(arrow + 2).strip();
      if (!RETS.contains(ret)) fail(def, i, "unknown return type '" + ret + "', expected one of " + RETS);
      List<Arg> args = new ArrayList<>();
      String argText = sig.substring(0, arrow).strip();
      if (!argText.isEmpty()) {
        for (String s : argText.split(",")) {
          String[] tn = s.strip().split("\\s+");
          if (tn.length != 2 || !TYPES.contains(tn[0])) fail(def, i, "bad argument '" + s.strip() + "', types are " + TYPES);
          args.add(new Arg(tn[0], tn[1]));
        }
      }
      ops.add(new Op(name, args, ret, parts[2].strip(), i + 1));
    }
    return ops;
  }

  static void fail(Path def, int i, String msg) {
    throw new IllegalArgumentException(def + ":" + (i + 1) + ": " + msg);
  }

  // ---------- C ----------
  static List<String> cParams(Op op) {
    List<String> p = new ArrayList<>();
    for (Arg a : op.args) {
      switch (a.type) {
        case "Tensor", "Tensor?" -> p.add("lt_tensor " + a.name);
        case "TensorList" -> { p.add("const lt_tensor* " + a.name); p.add("int64_t " + a.name + "_len"); }
        case "double", "double?" -> p.add("double " + a.name);
        case "int64", "int64?" -> p.add("int64_t " + a.name);
        case "bool" -> p.add("int32_t " + a.name);
        case "IntList", "IntList?" -> { p.add("const int64_t* " + a.name); p.add("int64_t " + a.name + "_len"); }
        case "dtype", "dtype?" -> p.add("int32_t " + a.name);
        case "Scalar" -> { p.add("double " + a.name); p.add("int32_t " + a.name + "_is_int"); }
        case "str" -> p.add("const char* " + a.name);
        case "device" -> { p.add("int32_t " + a.name + "_type"); p.add("int32_t " + a.name + "_index"); }
        default -> throw new IllegalStateException(a.type);
      }
    }
    switch (op.ret) {
      case "Tensor" -> p.add("lt_tensor* out");
      case "Tensor2" -> { p.add("lt_tensor* out0"); p.add("lt_tensor* out1"); }
      case "Tensors" -> { p.add("lt_tensor** out"); p.add("int64_t* out_len"); }
      case "double" -> p.add("double* out");
      case "int64" -> p.add("int64_t* out");
      case "bool" -> p.add("int32_t* out");
      default -> { }
    }
    return p;
  }

  static String proto(Op op) {
    return "LT_API lt_error lt_" + op.name + "(" + String.join(", ", cParams(op)) + ")";
  }

  static String header(List<Op> ops) {
    StringBuilder b = new StringBuilder("// GENERATED from ops.def by OpGen.java: do not edit.\n#pragma once\n#include \"lathe.h\"\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    for (Op op : ops) b.append(proto(op)).append(";\n");
    return b.append("#ifdef __cplusplus\n}\n#endif\n").toString();
  }

  static String convert(Arg a) {
    return switch (a.type) {
      case "Tensor" -> "  const at::Tensor& " + a.name + "_ = lt::T(" + a.name + ");\n";
      case "Tensor?" -> "  c10::optional<at::Tensor> " + a.name + "_ = lt::optT(" + a.name + ");\n";
      case "TensorList" -> "  std::vector<at::Tensor> " + a.name + "_ = lt::list(" + a.name + ", " + a.name + "_len);\n";
      case "double" -> "  double " + a.name + "_ = " + a.name + ";\n";
      case "double?" -> "  c10::optional<double> " + a.name + "_ = std::isnan(" + a.name + ") ? c10::nullopt : c10::optional<double>(" + a.name + ");\n";
      case "int64" -> "  int64_t " + a.name + "_ = " + a.name + ";\n";
      case "int64?" -> "  c10::optional<int64_t> " + a.name + "_ = " + a.name + " == INT64_MIN ? c10::nullopt : c10::optional<int64_t>(" + a.name + ");\n";
      case "bool" -> "  bool " + a.name + "_ = " + a.name + " != 0;\n";
      case "IntList" -> "  at::IntArrayRef " + a.name + "_(" + a.name + ", (size_t) " + a.name + "_len);\n";
      case "IntList?" -> "  at::OptionalIntArrayRef " + a.name + "_ = " + a.name + "_len < 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(at::IntArrayRef(" + a.name + ", (size_t) " + a.name + "_len));\n";
      case "dtype" -> "  c10::ScalarType " + a.name + "_ = (c10::ScalarType) " + a.name + ";\n";
      case "dtype?" -> "  c10::optional<c10::ScalarType> " + a.name + "_ = " + a.name + " < 0 ? c10::nullopt : c10::optional<c10::ScalarType>((c10::ScalarType) " + a.name + ");\n";
      case "Scalar" -> "  at::Scalar " + a.name + "_ = lt::scalar(" + a.name + ", " + a.name + "_is_int);\n";
      case "str" -> "  c10::string_view " + a.name + "_(" + a.name + ");\n";
      case "device" -> "  c10::Device " + a.name + "_ = lt::device(" + a.name + "_type, " + a.name + "_index);\n";
      default -> throw new IllegalStateException(a.type);
    };
  }

  static String cpp(List<Op> ops) {
    StringBuilder b = new StringBuilder("// GENERATED from ops.def by OpGen.java: do not edit.\n#include \"shim_internal.h\"\n#include \"ops_gen.h\"\n\n");
    for (Op op : ops) {
      // the body refers to arguments by their plain names; macros map them to the converted values
      b.append("// ops.def:").append(op.line).append('\n').append(proto(op)).append(" {\n  LT_TRY\n");
      for (Arg a : op.args) b.append(convert(a));
      String body = op.body;
      for (Arg a : op.args) body = body.replaceAll("(?<![.\\w:])" + a.name + "\\b", a.name + "_");
      switch (op.ret) {
        case "Tensor" -> b.append("  *out = lt::wrap(").append(body).append(");\n");
        case "Tensor2" -> b.append("  auto r_ = ").append(body).append(";\n  *out0 = lt::wrap(std::get<0>(r_));\n  *out1 = lt::wrap(std::get<1>(r_));\n");
        case "Tensors" -> b.append("  lt::wrap_list(").append(body).append(", out, out_len);\n");
        case "double" -> b.append("  *out = (double) (").append(body).append(");\n");
        case "int64" -> b.append("  *out = (int64_t) (").append(body).append(");\n");
        case "bool" -> b.append("  *out = (").append(body).append(") ? 1 : 0;\n");
        default -> b.append("  (void) (").append(body).append(");\n");
      }
      b.append("  LT_CATCH\n}\n\n");
    }
    return b.toString();
  }

  // ---------- Java ----------
  static List<String[]> jParams(Op op) { // {javaType, layout, name}
    List<String[]> p = new ArrayList<>();
    for (Arg a : op.args) {
      switch (a.type) {
        case "Tensor", "Tensor?", "int64", "int64?" -> p.add(new String[]{"long", "JAVA_LONG", a.name});
        case "TensorList", "IntList", "IntList?" -> { p.add(new String[]{"MemorySegment", "ADDRESS", a.name}); p.add(new String[]{"long", "JAVA_LONG", a.name + "_len"}); }
        case "double", "double?" -> p.add(new String[]{"double", "JAVA_DOUBLE", a.name});
        case "bool", "dtype", "dtype?" -> p.add(new String[]{"int", "JAVA_INT", a.name});
        case "Scalar" -> { p.add(new String[]{"double", "JAVA_DOUBLE", a.name}); p.add(new String[]{"int", "JAVA_INT", a.name + "_is_int"}); }
        case "str" -> p.add(new String[]{"MemorySegment", "ADDRESS", a.name});
        case "device" -> { p.add(new String[]{"int", "JAVA_INT", a.name + "_type"}); p.add(new String[]{"int", "JAVA_INT", a.name + "_index"}); }
        default -> throw new IllegalStateException(a.type);
      }
    }
    switch (op.ret) {
      case "Tensor", "double", "int64", "bool" -> p.add(new String[]{"MemorySegment", "ADDRESS", "out"});
      case "Tensor2" -> { p.add(new String[]{"MemorySegment", "ADDRESS", "out0"}); p.add(new String[]{"MemorySegment", "ADDRESS", "out1"}); }
      case "Tensors" -> { p.add(new String[]{"MemorySegment", "ADDRESS", "out"}); p.add(new String[]{"MemorySegment", "ADDRESS", "out_len"}); }
      default -> { }
    }
    return p;
  }

  static String handles(List<Op> ops) {
    StringBuilder b = new StringBuilder("""
        // GENERATED from ops.def by OpGen.java: do not edit.
        package dev.lathe.ffi.internal;

        import java.lang.foreign.*;
        import java.lang.invoke.MethodHandle;
        import static java.lang.foreign.ValueLayout.*;

        /** One downcall handle per generated C function, named as in C (jextract's shape). */
        public final class lathe_ops_h {
          private lathe_ops_h() {}

        """);
    for (Op op : ops) {
      List<String[]> ps = jParams(op);
      String fn = "lt_" + op.name;
      StringBuilder layouts = new StringBuilder("ADDRESS");
      StringBuilder decl = new StringBuilder();
      StringBuilder call = new StringBuilder();
      for (String[] p : ps) {
        layouts.append(", ").append(p[1]);
        if (decl.length() > 0) { decl.append(", "); call.append(", "); }
        decl.append(p[0]).append(' ').append(p[2]);
        call.append(p[2]);
      }
      b.append("  private static final class ").append(fn).append("$ {\n")
       .append("    static final MethodHandle HANDLE = Shim.downcall(\"").append(fn)
       .append("\", FunctionDescriptor.of(").append(layouts).append("));\n  }\n")
       .append("  public static MemorySegment ").append(fn).append("(").append(decl).append(") {\n")
       .append("    try { return (MemorySegment) ").append(fn).append("$.HANDLE.invokeExact(").append(call).append("); }\n")
       .append("    catch (Throwable ex$) { throw Shim.rethrow(ex$); }\n  }\n\n");
    }
    return b.append("}\n").toString();
  }

  static String typed(List<Op> ops) {
    StringBuilder b = new StringBuilder("""
        // GENERATED from ops.def by OpGen.java: do not edit.
        package dev.lathe.ffi;

        import dev.lathe.ffi.internal.Shim;
        import dev.lathe.ffi.internal.lathe_ops_h;
        import java.lang.foreign.MemorySegment;

        /**
         * Typed entry points for every op of ops.def, on raw handles (long). Each call checks the
         * returned error and throws TorchException. Tensor? takes 0 for none; int64? takes
         * Ops.NONE; double? takes NaN; dtype? takes -1; IntList? takes null. The engine wraps these.
         */
        public final class Ops {
          private Ops() {}
          public static final long NONE = Long.MIN_VALUE;

          static {
            Torch.ensureLoaded(); // ABI check and thread set-up before the first op
          }

        """);
    for (Op op : ops) {
      List<String> decl = new ArrayList<>();
      List<String> call = new ArrayList<>();
      for (Arg a : op.args) {
        switch (a.type) {
          case "Tensor", "Tensor?", "int64", "int64?" -> { decl.add("long " + a.name); call.add(a.name); }
          case "TensorList" -> { decl.add("long[] " + a.name); call.add("f.longs(" + a.name + ")"); call.add(a.name + ".length"); }
          case "IntList" -> { decl.add("long[] " + a.name); call.add("f.longs(" + a.name + ")"); call.add(a.name + ".length"); }
          case "IntList?" -> { decl.add("long[] " + a.name); call.add(a.name + " == null ? MemorySegment.NULL : f.longs(" + a.name + ")"); call.add(a.name + " == null ? -1 : " + a.name + ".length"); }
          case "double", "double?" -> { decl.add("double " + a.name); call.add(a.name); }
          case "bool" -> { decl.add("boolean " + a.name); call.add(a.name + " ? 1 : 0"); }
          case "dtype", "dtype?" -> { decl.add("int " + a.name); call.add(a.name); }
          case "Scalar" -> { decl.add("double " + a.name); decl.add("boolean " + a.name + "IsInt"); call.add(a.name); call.add(a.name + "IsInt ? 1 : 0"); }
          case "str" -> { decl.add("String " + a.name); call.add("f.string(" + a.name + ")"); }
          case "device" -> { decl.add("int " + a.name + "Type"); decl.add("int " + a.name + "Index"); call.add(a.name + "Type"); call.add(a.name + "Index"); }
          default -> throw new IllegalStateException(a.type);
        }
      }
      String jret = switch (op.ret) {
        case "Tensor", "int64" -> "long"; case "Tensor2", "Tensors" -> "long[]";
        case "double" -> "double"; case "bool" -> "boolean"; default -> "void";
      };
      switch (op.ret) {
        case "Tensor", "double", "int64", "bool" -> call.add("f.out(0)");
        case "Tensor2" -> { call.add("f.out(0)"); call.add("f.out(1)"); }
        case "Tensors" -> { call.add("f.out(0)"); call.add("f.out(1)"); }
        default -> { }
      }
      b.append("  /** ops.def:").append(op.line).append(": ").append(op.body.replace("*/", "* /")).append(" */\n");
      b.append("  public static ").append(jret).append(' ').append(javaName(op.name)).append('(').append(String.join(", ", decl)).append(") {\n")
       .append("    Frame f = Frame.enter();\n")
       .append("    Shim.check(lathe_ops_h.lt_").append(op.name).append('(').append(String.join(", ", call)).append("));\n");
      switch (op.ret) {
        case "Tensor", "int64" -> b.append("    return f.outLong(0);\n");
        case "double" -> b.append("    return f.outDouble(0);\n");
        case "bool" -> b.append("    return f.outInt(0) != 0;\n");
        case "Tensor2" -> b.append("    return new long[]{f.outLong(0), f.outLong(1)};\n");
        case "Tensors" -> b.append("    return Shim.takeList(f.outLong(0), f.outLong(1));\n");
        default -> { }
      }
      b.append("  }\n\n");
    }
    return b.append("}\n").toString();
  }

  static String javaName(String c) { // snake_case -> camelCase; a trailing _ (in-place) becomes "Inplace"
    boolean inplace = c.endsWith("_");
    String s = inplace ? c.substring(0, c.length() - 1) : c;
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char ch : s.toCharArray()) {
      if (ch == '_') { up = true; continue; }
      b.append(up ? Character.toUpperCase(ch) : ch);
      up = false;
    }
    return inplace ? b + "_" : b.toString();
  }
}
