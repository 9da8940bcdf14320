package dev.lathe.engine.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * How {{ expr }} becomes text: the value's Python str(), and nothing more. Jinjava's default
 * strategy renders a value that contains "{{" or "{%" a second time as template source
 * ("nested interpretation"), which executed message content; jinja2 treats every value as data.
 */
final class PyExpressionStrategy implements ExpressionStrategy {
  private static final long serialVersionUID = 1L;

  @Override
  public RenderedOutputNode interpretOutput(ExpressionToken token, JinjavaInterpreter interpreter) {
    // the line a failure inside reports (raise_exception, a bad `in`): the expression's own source line
    int line = JinjaWhitespace.line(token.getLineNumber(), token.getImage());
    Object value = interpreter.resolveELExpression(token.getExpr(), line);
    return new RenderedOutputNode(PyStrings.str(value));
  }
}
