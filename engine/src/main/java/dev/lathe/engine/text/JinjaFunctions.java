package dev.lathe.engine.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import dev.lathe.engine.io.PyJson;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The globals transformers gives chat templates: raise_exception, strftime_now and a Python-faithful tojson. */
public final class JinjaFunctions {
  private JinjaFunctions() {}

  /** Thrown to stop a render; Jinjava records it as a mere error, so ChatTemplate reads FAILURE. */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message);
    }
  }

  /** The first failure (raise_exception, a loop over an int, ...) of the render on this thread. */
  static final ThreadLocal<String> FAILURE = new ThreadLocal<>();

  /** Records the render's failure (the first wins: later ones are consequences) and throws. */
  static Object fail(String message) {
    JinjavaInterpreter current = JinjavaInterpreter.getCurrent();
    if (current != null) message = "line " + current.getLineNumber() + ": " + message;
    if (FAILURE.get() == null) FAILURE.set(message);
    throw new Failure(message);
  }

  /**
   * The right operand of `in`: Python raises on None ("argument of type 'NoneType' is not
   * iterable") where Jinjava answers false, e.g. Qwen3's '</think>' in message.content for an
   * assistant turn with content None and tool_calls. JinjaRewrite routes `x in REF` through here.
   */
  public static Object container(Object value) {
    return switch (value) {
      case null -> List.of(); // undefined: jinja2's Undefined iterates as empty
      case PyNone n -> fail("argument of type 'NoneType' is not iterable");
      case Number n -> fail("argument of type '" + PyForTag.pyType(n) + "' is not iterable");
      case Boolean b -> fail("argument of type 'bool' is not iterable");
      default -> value;
    };
  }

  public static Object raiseException(Object message) {
    return fail("raise_exception: " + PyStrings.str(message));
  }

  /** Python's datetime.now().strftime(fmt), in the JVM's time zone. */
  public static String strftimeNow(String format) {
    return StrftimeFormatter.format(ZonedDateTime.now(), format, Locale.ENGLISH);
  }

  /** json.dumps(x, ensure_ascii=False, indent=indent, sort_keys=sort_keys), as transformers' tojson. */
  static final class ToJson implements AdvancedFilter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
      boolean sort = Boolean.TRUE.equals(kwargs.get("sort_keys"));
      int n = indent == null ? -1 : ((Number) indent).intValue();
      return new PyJson(n, sort, false).write(PyNone.unwrap(var));
    }
  }

  /** dict|items: the (key, value) pairs, as jinja2 3.1's items filter; None gives no pairs. */
  static final class Items implements AdvancedFilter {
    @Override
    public String getName() {
      return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      if (var == null) return List.of(); // undefined
      if (!(var instanceof Map<?, ?> m)) return fail("items filter: expected a mapping, found " + PyForTag.pyType(var));
      List<List<Object>> out = new ArrayList<>(m.size());
      m.forEach((k, v) -> out.add(Arrays.asList(k, v)));
      return out;
    }
  }
}
