package dev.lathe.engine.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import dev.lathe.engine.io.PyJson;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;

/** The globals transformers gives chat templates: raise_exception, strftime_now and a Python-faithful tojson. */
public final class JinjaFunctions {
  private JinjaFunctions() {}

  /** Thrown by raise_exception; Jinjava records it as an error, ChatTemplate reports its message. */
  static final class Raised extends RuntimeException {
    Raised(String message) {
      super(message);
    }
  }

  /** Message of the raise_exception call of the render running on this thread. */
  static final ThreadLocal<String> RAISED = new ThreadLocal<>();

  public static Object raiseException(Object message) {
    String m = String.valueOf(message);
    if (RAISED.get() == null) RAISED.set(m);
    throw new Raised(m);
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
      return new PyJson(n, sort, false).write(var);
    }
  }
}
