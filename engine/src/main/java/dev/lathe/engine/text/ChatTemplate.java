package dev.lathe.engine.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template rendered with Jinjava under the settings transformers uses:
 * trim_blocks, lstrip_blocks, loop controls, a single trailing newline of the source dropped,
 * and the globals raise_exception, strftime_now and tojson. Python string methods
 * (startswith, split, lstrip, ...) and reversed slices (x[::-1]) work; see docs/io-text.md.
 */
public final class ChatTemplate {
  /** Macro call depth at which a render fails (Python's own limit stops jinja2 near 300 nested macro calls). */
  static final int MAX_RECURSION = 200;
  private static final Jinjava JINJA = engine();

  private final String name;
  private final String source;
  private final Node tree; // parsed once: parsing costs more than rendering a short chat

  private ChatTemplate(String name, String source) {
    this.name = name;
    this.source = source;
    JinjavaInterpreter parser = JINJA.newInterpreter();
    // the strategy is captured by each {{ }} node at parse time: values print as Python's str(), never re-rendered
    parser.getContext().setExpressionStrategy(new PyExpressionStrategy());
    JinjaCheck.check(name, source);
    JinjavaInterpreter.pushCurrent(parser);
    try {
      this.tree = parser.parse(prepared());
    } finally {
      JinjavaInterpreter.popCurrent();
    }
    check(parser.getErrorsCopy());
  }

  /** A template from Jinja source; name is used in error messages. */
  public static ChatTemplate of(String name, String source) {
    if (source == null || source.isBlank()) throw new ChatTemplateException(name, "the template is empty");
    return new ChatTemplate(name, source);
  }

  private static Jinjava engine() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PyMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    // Python-Jinja semantics where Jinjava keeps older HubSpot behaviour by default:
    // {{- -}} trimming on expressions, operator precedence, backslash escapes, dict iteration.
    LegacyOverrides python = LegacyOverrides.newBuilder().withEvaluateMapKeys(true).withIterateOverMapKeys(true)
        .withUsePyishObjectMapper(true).withUseNaturalOperatorPrecedence(true).withParseWhitespaceControlStrictly(true)
        .withAllowAdjacentTextNodes(true).withUseTrimmingForNotesAndExpressions(true).withKeepNullableLoopValues(true)
        .withHandleBackslashInQuotesOnly(true).build();
    // Nested interpretation re-renders a value holding "{{" as template code: message content is data.
    // Recursive macros are legal Jinja; a runaway one stops at MAX_RECURSION and fails the render.
    // trim_blocks, lstrip_blocks and "-" markers are applied by JinjaWhitespace (Jinjava's own lose lines)
    JinjavaConfig config = JinjavaConfig.newBuilder().withNestedInterpretationEnabled(false).withEnableRecursiveMacroCalls(true)
        .withMaxMacroRecursionDepth(MAX_RECURSION).withLegacyOverrides(python).withElResolver(resolver).build();
    Jinjava j = new Jinjava(config);
    j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaFunctions.class,
        "raiseException", Object.class));
    j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaFunctions.class,
        "strftimeNow", String.class));
    j.getGlobalContext().registerFunction(new ELFunctionDefinition("", JinjaRewrite.CONTAINER, JinjaFunctions.class,
        "container", Object.class));
    j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "__lathe_none", PyNone.class, "none"));
    j.getGlobalContext().registerExpTest(new PyNone.IsNone());
    j.getGlobalContext().registerFilter(new JinjaFunctions.ToJson());
    j.getGlobalContext().registerFilter(new JinjaFunctions.Items());
    j.getGlobalContext().registerTag(new PyForTag());
    return j;
  }

  public String name() {
    return name;
  }

  public String source() {
    return source;
  }

  /**
   * Renders messages ({role, content} maps; content a string or a list of parts).
   * vars adds bos_token, eos_token, tools, ... ; failures raise ChatTemplateException.
   */
  public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> vars) {
    Map<String, Object> ctx = new HashMap<>();
    ctx.put("tools", PyNone.NONE); // transformers passes tools=None and documents=None unless given
    ctx.put("documents", PyNone.NONE);
    vars.forEach((k, v) -> ctx.put(k, PyNone.wrap(v, 0))); // None stays None, apart from undefined
    ctx.put("messages", PyNone.wrap(messages, 0));
    ctx.put("add_generation_prompt", addGenerationPrompt);
    JinjaFunctions.FAILURE.remove();
    JinjavaInterpreter interpreter = new JinjavaInterpreter(JINJA, new Context(JINJA.getGlobalContext(), ctx),
        JINJA.getGlobalConfig());
    JinjavaInterpreter.pushCurrent(interpreter);
    String out;
    try {
      out = interpreter.render(tree, true);
    } catch (RuntimeException e) {
      throw new ChatTemplateException(name, "rendering failed: " + e.getMessage());
    } finally {
      JinjavaInterpreter.popCurrent();
      String failure = JinjaFunctions.FAILURE.get();
      JinjaFunctions.FAILURE.remove();
      if (failure != null) throw new ChatTemplateException(name, failure);
    }
    check(interpreter.getErrorsCopy());
    return out;
  }

  private void check(List<TemplateError> errors) {
    for (TemplateError e : errors) {
      if (fatal(e)) {
        throw new ChatTemplateException(name, "line " + e.getLineno() + ": " + e.getMessage()
            + (e.getFieldName() == null || e.getFieldName().isEmpty() ? "" : " (in '" + e.getFieldName() + "')"));
      }
    }
  }

  /**
   * jinja2 stops on every error; Jinjava records most as warnings and renders on. Only unknown names
   * (undefined variables and properties) stay non-fatal (jinja2's default Undefined prints as "").
   */
  private static boolean fatal(TemplateError e) {
    return e.getSeverity() == TemplateError.ErrorType.FATAL || e.getReason() != TemplateError.ErrorReason.UNKNOWN;
  }

  /** Renders with the tokenizer's special tokens as bos_token, eos_token, pad_token. */
  public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Tokenizer tokenizer) {
    return render(messages, addGenerationPrompt, tokenizer, Map.of());
  }

  /**
   * Renders with the tokenizer's special tokens plus extra variables (chat_template_kwargs: tools,
   * enable_thinking, ...), which win over the special tokens as in transformers' apply_chat_template.
   */
  public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Tokenizer tokenizer,
      Map<String, ?> kwargs) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("bos_token", tokenizer.bosToken() == null ? "" : tokenizer.bosToken());
    vars.put("eos_token", tokenizer.eosToken() == null ? "" : tokenizer.eosToken());
    vars.put("pad_token", tokenizer.padToken() == null ? "" : tokenizer.padToken());
    vars.putAll(kwargs);
    return render(messages, addGenerationPrompt, vars);
  }

  /** The source as Jinjava gets it: Jinja's dropped trailing newline, reversed slices rewritten. */
  private String prepared() {
    String s = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    return JinjaRewrite.rewrite(JinjaWhitespace.apply(s));
  }
}
