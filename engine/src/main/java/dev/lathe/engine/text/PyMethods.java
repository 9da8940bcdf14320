package dev.lathe.engine.text;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python str/dict methods that HF chat templates call (message.content.startswith('...'),
 * text.split('</think>')[-1].lstrip('\n'), d.get(k, default), ...). Jinjava would otherwise look
 * for Java methods of the same name and fail. Consulted before Jinjava's own resolvers.
 */
final class PyMethods extends ELResolver {

  @Override
  public Object invoke(ELContext ctx, Object base, Object method, Class<?>[] types, Object[] params) {
    Object[] p = params == null ? new Object[0] : params;
    Object result = switch (base) {
      case String s -> string(s, String.valueOf(method), p);
      case Map<?, ?> m when "get".equals(method) && p.length == 2 -> m.containsKey(p[0]) ? m.get(p[0]) : p[1];
      case null, default -> NONE;
    };
    if (result == NONE) return null;
    ctx.setPropertyResolved(true);
    return result;
  }

  private static final Object NONE = new Object();

  private static Object string(String s, String m, Object[] p) {
    String a0 = p.length > 0 && p[0] != null ? String.valueOf(p[0]) : null;
    return switch (m) {
      case "startswith" -> p.length == 1 ? anyMatch(p[0], s::startsWith) : NONE;
      case "endswith" -> p.length == 1 ? anyMatch(p[0], s::endsWith) : NONE;
      case "strip" -> rstrip(lstrip(s, a0), a0);
      case "lstrip" -> lstrip(s, a0);
      case "rstrip" -> rstrip(s, a0);
      case "split" -> split(s, a0, p.length > 1 ? ((Number) p[1]).intValue() : -1);
      case "upper" -> s.toUpperCase();
      case "lower" -> s.toLowerCase();
      case "title" -> title(s);
      case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase() + s.substring(1).toLowerCase();
      case "replace" -> p.length == 2 ? s.replace(a0, String.valueOf(p[1])) : NONE;
      case "find" -> p.length == 1 ? s.indexOf(a0) : NONE;
      case "count" -> p.length == 1 ? count(s, a0) : NONE;
      case "join" -> p.length == 1 ? join(s, p[0]) : NONE;
      case "isspace" -> !s.isEmpty() && s.isBlank();
      case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
      default -> NONE;
    };
  }

  /** startswith/endswith accept a string or a tuple (list) of strings. */
  private static boolean anyMatch(Object arg, java.util.function.Predicate<String> test) {
    if (arg instanceof List<?> l) return l.stream().anyMatch(x -> test.test(String.valueOf(x)));
    return test.test(String.valueOf(arg));
  }

  private static boolean strippable(char c, String chars) {
    return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) i++;
    return s.substring(i);
  }

  static String rstrip(String s, String chars) {
    int j = s.length();
    while (j > 0 && strippable(s.charAt(j - 1), chars)) j--;
    return s.substring(0, j);
  }

  /** Python split: literal separator (not a regex); no separator splits on whitespace runs. */
  static List<String> split(String s, String sep, int maxSplit) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      for (String w : s.strip().split("\\s+", maxSplit < 0 ? 0 : maxSplit + 1)) if (!w.isEmpty()) out.add(w);
      return out;
    }
    if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
    int start = 0;
    int at;
    while ((maxSplit < 0 || out.size() < maxSplit) && (at = s.indexOf(sep, start)) >= 0) {
      out.add(s.substring(start, at));
      start = at + sep.length();
    }
    out.add(s.substring(start));
    return out;
  }

  private static int count(String s, String sub) {
    if (sub.isEmpty()) return s.length() + 1;
    int n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
    return n;
  }

  private static String join(String sep, Object items) {
    List<String> parts = new ArrayList<>();
    if (items instanceof Iterable<?> it) it.forEach(x -> parts.add(String.valueOf(x)));
    else return String.valueOf(items);
    return String.join(sep, parts);
  }

  private static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean prevLetter = false;
    for (char c : s.toCharArray()) {
      sb.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
      prevLetter = Character.isLetter(c);
    }
    return sb.toString();
  }

  // Read-only resolver otherwise: property access is left to Jinjava's resolvers.
  @Override
  public Object getValue(ELContext ctx, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext ctx, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext ctx, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext ctx, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext ctx, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext ctx, Object base) {
    return null;
  }
}
