package dev.lathe.engine.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors JSON header against the size of the data section.
 * Follows the published rules: every tensor's bytes lie inside the data section, match
 * dtype x shape, do not overlap, and together cover the data section without holes.
 */
final class SafetensorsHeader {
  /** Same cap as the reference implementation: a larger header is a corrupt length prefix. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  final List<SafetensorsEntry> entries;
  final Map<String, String> metadata;

  private SafetensorsHeader(List<SafetensorsEntry> entries, Map<String, String> metadata) {
    this.entries = entries;
    this.metadata = metadata;
  }

  static SafetensorsHeader parse(Path file, byte[] header, long dataStart, long dataLength) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new FormatException(file, "safetensors header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new FormatException(file, "safetensors header must be a JSON object, found "
          + (root == null ? "nothing" : root.getNodeType()));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    List<SafetensorsEntry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals("__metadata__")) {
        readMetadata(file, field.getValue(), metadata);
      } else {
        entries.add(readEntry(file, field.getKey(), field.getValue(), dataStart));
      }
    }
    checkLayout(file, entries, dataLength);
    return new SafetensorsHeader(entries, metadata);
  }

  private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
    if (!node.isObject()) {
      throw new FormatException(file, "__metadata__ must be an object of strings, found " + node.getNodeType());
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw new FormatException(file, "__metadata__." + e.getKey() + " must be a string, found "
            + e.getValue().getNodeType());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
  }

  private static SafetensorsEntry readEntry(Path file, String name, JsonNode node, long dataStart) {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) throw new FormatException(file, where + " must be an object, found " + node.getNodeType());
    JsonNode dt = node.get("dtype");
    if (dt == null || !dt.isTextual()) throw new FormatException(file, where + " has no string 'dtype'");
    SafetensorsDtype dtype = SafetensorsDtype.parse(dt.asText());
    if (dtype == null) {
      throw new FormatException(file, where + " has unknown dtype '" + dt.asText() + "' (known: "
          + SafetensorsDtype.known() + ")");
    }
    long[] shape = longs(file, where, node.get("shape"), "shape", -1);
    long[] offsets = longs(file, where, node.get("data_offsets"), "data_offsets", 2);
    if (offsets[1] < offsets[0]) {
      throw new FormatException(file, where + " has data_offsets [" + offsets[0] + ", " + offsets[1]
          + "] that end before they begin");
    }
    long expected;
    try {
      expected = Math.multiplyExact(SafetensorsEntry.numel(shape), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new FormatException(file, where + " has a shape whose size overflows: " + java.util.Arrays.toString(shape));
    }
    if (expected != offsets[1] - offsets[0]) {
      throw new FormatException(file, where + ": " + dtype + " " + java.util.Arrays.toString(shape) + " needs "
          + expected + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1] + "] span "
          + (offsets[1] - offsets[0]));
    }
    return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1], dataStart);
  }

  /** A JSON array of non-negative integers; arity -1 means any length. */
  private static long[] longs(Path file, String where, JsonNode node, String key, int arity) {
    if (node == null || !node.isArray() || (arity >= 0 && node.size() != arity)) {
      String want = arity >= 0 ? "an array of " + arity + " integers" : "an array of integers";
      throw new FormatException(file, where + ": '" + key + "' must be " + want + ", found "
          + (node == null ? "nothing" : node.toString()));
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
        throw new FormatException(file, where + ": '" + key + "' must hold non-negative integers, found " + node);
      }
      out[i] = v.asLong();
    }
    return out;
  }

  private static void checkLayout(Path file, List<SafetensorsEntry> entries, long dataLength) {
    List<SafetensorsEntry> byStart = new ArrayList<>(entries);
    byStart.sort(Comparator.comparingLong(SafetensorsEntry::begin).thenComparingLong(SafetensorsEntry::end));
    long covered = 0;
    SafetensorsEntry previous = null;
    for (SafetensorsEntry e : byStart) {
      if (e.end() > dataLength) {
        throw new FormatException(file, "tensor '" + e.name() + "' has data_offsets [" + e.begin() + ", " + e.end()
            + "] outside the data section of " + dataLength + " bytes");
      }
      if (e.begin() < covered && e.byteSize() > 0) {
        throw new FormatException(file, "tensors '" + previous.name() + "' and '" + e.name() + "' overlap (bytes ["
            + e.begin() + ", " + Math.min(covered, e.end()) + ") of the data section)");
      }
      if (e.begin() > covered) {
        throw new FormatException(file, "bytes [" + covered + ", " + e.begin()
            + ") of the data section belong to no tensor (a hole before tensor '" + e.name() + "')");
      }
      if (e.byteSize() > 0) {
        covered = e.end();
        previous = e;
      }
    }
    if (covered != dataLength) {
      throw new FormatException(file, "the data section has " + dataLength + " bytes but its tensors end at byte "
          + covered + " (trailing bytes belong to no tensor)");
    }
  }
}
