package dev.lathe.engine.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading JSON model files with errors that name the file, line and column. */
public final class JsonFiles {
  static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private JsonFiles() {}

  /** The file as a JSON object; missing file, bad JSON or a non-object is a FormatException. */
  public static JsonNode readObject(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new FormatException(file, "file not found");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return parseObject(file, text);
  }

  public static JsonNode parseObject(Path file, String text) {
    JsonNode root;
    try {
      root = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new FormatException(file, "invalid JSON" + where + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new FormatException(file, "expected a JSON object at the top level, found "
          + (root == null ? "an empty file" : root.getNodeType()));
    }
    return root;
  }

  /** A JSON node as plain Java values (LinkedHashMap, ArrayList, String, Long/Integer, Double, Boolean, null). */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> toMap(JsonNode object) {
    return MAPPER.convertValue(object, LinkedHashMap.class);
  }

  public static Object toJava(JsonNode node) {
    return MAPPER.convertValue(node, Object.class);
  }
}
