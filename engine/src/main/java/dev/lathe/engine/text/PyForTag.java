package dev.lathe.engine.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * {% for %} with Python's iteration rules: a string yields its characters, a number or a boolean
 * is an error ("'int' object is not iterable") instead of Jinjava's one-item loop, so is None
 * (PyNone); an undefined name loops zero times, as jinja2's Undefined does.
 */
final class PyForTag extends ForTag {
  private static final long serialVersionUID = 1L;

  @Override
  public String renderForCollection(TagNode node, JinjavaInterpreter interpreter, List<String> vars, Object items) {
    interpreter.setLineNumber(JinjaWhitespace.line(node.getLineNumber(), node.getMaster().getImage()));
    Object loop = switch (items) {
      case String s -> characters(s);
      case null -> items;
      case Collection<?> c -> c;
      case Map<?, ?> m -> m;
      case Iterable<?> it -> it;
      case Object[] a -> a;
      case PyNone n -> JinjaFunctions.fail("'NoneType' object is not iterable (in '" + node.getHelpers().strip() + "')");
      default -> JinjaFunctions.fail("'" + pyType(items)
          + "' object is not iterable (in '" + node.getHelpers().strip() + "')");
    };
    return super.renderForCollection(node, interpreter, vars, loop);
  }

  private static List<String> characters(String s) {
    List<String> out = new ArrayList<>(s.length());
    s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
    return out;
  }

  static String pyType(Object v) {
    return switch (v) {
      case PyNone n -> "NoneType";
      case Boolean b -> "bool";
      case Double d -> "float";
      case Float f -> "float";
      case Number n -> "int";
      default -> v.getClass().getSimpleName();
    };
  }
}
