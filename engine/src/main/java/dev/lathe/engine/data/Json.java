package dev.lathe.engine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON <-> the JSON-shaped Java values rows hold (String, Long, Double, Boolean, null, List, Map). */
public final class Json {
  static final int MAX_DEPTH = 200;

  /**
   * Duplicate keys are refused (Python's json keeps the last one without a word; one of the two values
   * is a mistake) and nesting is capped well below the stack's depth, so a hostile row gets a message,
   * not a StackOverflowError.
   */
  public static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .build());

  private Json() {}

  public static Object parse(String text) throws JsonProcessingException {
    return toValue(MAPPER.readTree(text));
  }

  public static Object toValue(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    if (n.isTextual()) {
      return checkSurrogates(n.textValue());
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>(n.size());
      for (JsonNode e : n) {
        l.add(toValue(e));
      }
      return Collections.unmodifiableList(l);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), toValue(e.getValue()));
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * A JSON escape such as \\ud800 without its pair decodes to a lone UTF-16 surrogate, which is no
   * character: a tokenizer would encode it as garbage. Refused with its position in the string.
   */
  static String checkSurrogates(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new DataException(String.format("a string holds a lone UTF-16 surrogate \\u%04x at character %d (a \\u escape without its pair), "
            + "which is not a character; string starts: %s", (int) c, i, JsonRows.abbreviate(s.substring(0, Math.min(s.length(), 40)))));
      }
    }
    return s;
  }

  public static String write(Object v) {
    try {
      return MAPPER.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      throw new DataException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }
}
