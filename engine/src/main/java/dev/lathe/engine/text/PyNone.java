package dev.lathe.engine.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.util.HasObjectTruthValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's None in template data. Jinjava uses Java null both for an undefined name and for a None
 * value; jinja2 does not ({{ none }} prints "None", an undefined name ""; None is defined; a loop
 * over None fails). ChatTemplate hands the template its data with every null replaced by NONE and
 * the literals none/None rewritten to it, so the two stay apart. NONE is falsy, prints "None",
 * passes `is none`, and tojson writes it as null.
 */
public final class PyNone implements HasObjectTruthValue {
  public static final PyNone NONE = new PyNone();
  private static final int MAX_DEPTH = 200;

  private PyNone() {}

  @Override
  public boolean getObjectTruthValue() {
    return false;
  }

  @Override
  public String toString() {
    return "None";
  }

  /** A copy of a value with null map values and list items replaced by NONE. */
  static Object wrap(Object v, int depth) {
    if (depth > MAX_DEPTH) throw new IllegalArgumentException("template data nested deeper than " + MAX_DEPTH + " levels");
    return switch (v) {
      case null -> NONE;
      case Map<?, ?> m -> {
        Map<Object, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(k, wrap(x, depth + 1)));
        yield out;
      }
      case List<?> l -> {
        List<Object> out = new ArrayList<>(l.size());
        for (Object x : l) out.add(wrap(x, depth + 1));
        yield out;
      }
      default -> v;
    };
  }

  /** The inverse, for Java code (tojson, Python repr): NONE back to null. */
  static Object unwrap(Object v) {
    return switch (v) {
      case PyNone n -> null;
      case Map<?, ?> m -> {
        Map<Object, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(k, unwrap(x)));
        yield out;
      }
      case List<?> l -> {
        List<Object> out = new ArrayList<>(l.size());
        for (Object x : l) out.add(unwrap(x));
        yield out;
      }
      case null, default -> v;
    };
  }

  /** `x is none`: true for None only, not for an undefined name (jinja2's Undefined is not None). */
  static final class IsNone implements ExpTest {
    @Override
    public String getName() {
      return "none";
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
      return var == NONE;
    }
  }

  /** The literal none / None after JinjaRewrite (Jinjava's own literal is the undefined-like null). */
  public static Object none() {
    return NONE;
  }
}
