package dev.lathe.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: the header is parsed and validated up front, the
 * data section is memory-mapped (nothing is copied until asked). Closing unmaps; buffers
 * handed out before then throw IllegalStateException on access instead of touching freed memory.
 *
 * <p>Layout: 8-byte little-endian header length N, N bytes of JSON header, then the data section.
 */
public final class SafetensorsFile implements AutoCloseable {
  private final Path file;
  private final Arena arena;
  private final MemorySegment data;
  private final Map<String, SafetensorsEntry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path file, Arena arena, MemorySegment data, SafetensorsHeader header) {
    this.file = file;
    this.arena = arena;
    this.data = data;
    Map<String, SafetensorsEntry> byName = new LinkedHashMap<>();
    header.entries.stream().sorted(Comparator.comparing(SafetensorsEntry::name))
        .forEach(e -> byName.put(e.name(), e));
    this.entries = Collections.unmodifiableMap(byName);
    this.metadata = Collections.unmodifiableMap(header.metadata);
  }

  /** Opens and validates a file; a malformed one raises FormatException naming file and tensor. */
  public static SafetensorsFile open(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long headerLength = readHeaderLength(file, ch, size);
      byte[] header = new byte[(int) headerLength];
      readFully(ch, ByteBuffer.wrap(header), 8);
      long dataStart = 8 + headerLength;
      long dataLength = size - dataStart;
      SafetensorsHeader parsed = SafetensorsHeader.parse(file, header, dataStart, dataLength);
      Arena arena = Arena.ofShared();
      try {
        MemorySegment data = dataLength == 0 ? MemorySegment.NULL
            : ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength, arena);
        return new SafetensorsFile(file, arena, data, parsed);
      } catch (IOException | RuntimeException e) {
        arena.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  private static long readHeaderLength(Path file, FileChannel ch, long size) throws IOException {
    if (size < 8) {
      throw new FormatException(file, "is " + size + " bytes long, too short for a safetensors file (8-byte header length)");
    }
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, len, 0);
    long n = len.getLong(0);
    if (n < 0 || n > size - 8) {
      throw new FormatException(file, "safetensors header length " + Long.toUnsignedString(n)
          + " exceeds the file size of " + size + " bytes");
    }
    if (n > SafetensorsHeader.MAX_HEADER_BYTES) {
      throw new FormatException(file, "safetensors header length " + n + " exceeds the limit of "
          + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
    }
    return n;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) throw new IOException("unexpected end of file at byte " + pos);
      pos += n;
    }
  }

  public Path path() {
    return file;
  }

  /** Entries sorted by name. */
  public List<SafetensorsEntry> entries() {
    return new ArrayList<>(entries.values());
  }

  public List<String> names() {
    return new ArrayList<>(entries.keySet());
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The entry of a tensor; an unknown name is an error naming the file. */
  public SafetensorsEntry entry(String name) {
    SafetensorsEntry e = entries.get(name);
    if (e == null) throw new IllegalArgumentException(file + ": no tensor named '" + name + "'");
    return e;
  }

  /** The __metadata__ strings (e.g. format=pt). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** A read-only little-endian view of the tensor's bytes, valid until close(). */
  public ByteBuffer bytes(String name) {
    SafetensorsEntry e = entry(name);
    if (e.byteSize() > Integer.MAX_VALUE) {
      throw new UnsupportedOperationException(file + ": tensor '" + name + "' has " + e.byteSize()
          + " bytes, more than one ByteBuffer can view; load it as a tensor instead");
    }
    if (e.byteSize() == 0) return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
    return segment(e).asByteBuffer().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A copy of the tensor's bytes that outlives the file. */
  public byte[] copy(String name) {
    ByteBuffer b = bytes(name);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** The mapped bytes of an entry (engine-internal: tensor loading copies from here). */
  MemorySegment segment(SafetensorsEntry e) {
    if (e.byteSize() == 0) return MemorySegment.NULL;
    return data.asSlice(e.begin(), e.byteSize());
  }

  @Override
  public void close() {
    if (arena.scope().isAlive()) arena.close();
  }
}
