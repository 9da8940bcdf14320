package dev.lathe.engine.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects tensors (name, dtype, shape, little-endian bytes) and writes them as safetensors the
 * way the reference writer does: __metadata__ {"format":"pt"} first, tensors ordered by dtype
 * (widest first) then name, compact JSON header padded with spaces to a multiple of 8 bytes.
 * Files are written to a temporary name and renamed into place.
 */
public final class SafetensorsWriter {
  /** The ordering of the reference writer: larger dtype first, then name. */
  static final Comparator<Item> HF_ORDER = Comparator.<Item, Integer>comparing(i -> -i.dtype.ordinal())
      .thenComparing(i -> i.name);

  record Item(String name, SafetensorsDtype dtype, long[] shape, ByteBuffer bytes) {
    long size() {
      return bytes.remaining();
    }
  }

  private final Map<String, Item> items = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>(Map.of("format", "pt"));

  /** Adds a tensor; bytes must be little-endian and exactly numel x dtype size long. */
  public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, ByteBuffer bytes) {
    if (name == null || name.isEmpty() || name.equals("__metadata__")) {
      throw new IllegalArgumentException("invalid tensor name '" + name + "'");
    }
    if (items.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
    for (long d : shape) {
      if (d < 0) throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension " + Arrays.toString(shape));
    }
    long expected = SafetensorsEntry.numel(shape) * dtype.byteSize();
    if (bytes.remaining() != expected) {
      throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + Arrays.toString(shape) + " needs "
          + expected + " bytes, got " + bytes.remaining());
    }
    items.put(name, new Item(name, dtype, shape.clone(), bytes.slice().order(ByteOrder.LITTLE_ENDIAN)));
    return this;
  }

  public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, byte[] bytes) {
    return add(name, dtype, shape, ByteBuffer.wrap(bytes));
  }

  /** Adds or replaces a __metadata__ string. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Sum of all tensor bytes (the index's total_size). */
  public long totalBytes() {
    return items.values().stream().mapToLong(Item::size).sum();
  }

  /** Writes all tensors to one file. */
  public void write(Path file) {
    writeFile(file, sorted(new ArrayList<>(items.values())), metadata);
  }

  /**
   * Writes prefix.safetensors when everything fits in maxShardBytes, otherwise shards
   * prefix-0000i-of-0000n.safetensors plus prefix.safetensors.index.json (transformers' layout).
   * Returns the files written (index last).
   */
  public List<Path> writeSharded(Path dir, String prefix, long maxShardBytes) {
    return SafetensorsShards.write(dir, prefix, maxShardBytes, sorted(new ArrayList<>(items.values())), metadata);
  }

  static List<Item> sorted(List<Item> list) {
    list.sort(HF_ORDER);
    return list;
  }

  static void writeFile(Path file, List<Item> ordered, Map<String, String> metadata) {
    byte[] header = header(ordered, metadata);
    AtomicFiles.write(file, ch -> {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
      AtomicFiles.writeFully(ch, len);
      AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
      for (Item item : ordered) AtomicFiles.writeFully(ch, item.bytes.duplicate());
    });
  }

  /** Compact JSON in data order, padded with spaces so the data section starts 8-byte aligned. */
  static byte[] header(List<Item> ordered, Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart("__metadata__");
        for (Map.Entry<String, String> m : metadata.entrySet()) g.writeStringField(m.getKey(), m.getValue());
        g.writeEndObject();
      }
      long offset = 0;
      for (Item item : ordered) {
        g.writeObjectFieldStart(item.name);
        g.writeStringField("dtype", item.dtype.name());
        g.writeArrayFieldStart("shape");
        for (long d : item.shape) g.writeNumber(d);
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(offset);
        g.writeNumber(offset + item.size());
        g.writeEndArray();
        g.writeEndObject();
        offset += item.size();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int pad = (8 - out.size() % 8) % 8;
    for (int i = 0; i < pad; i++) out.write(' ');
    return out.toByteArray();
  }

}
