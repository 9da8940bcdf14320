package dev.lathe.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face folder: one prefix.safetensors, or shards listed by
 * prefix.safetensors.index.json (its weight_map names the shard of every tensor).
 * All shards are opened and validated up front; close() unmaps them.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  private final Map<String, SafetensorsFile> fileOf; // tensor name -> its shard
  private final List<SafetensorsFile> files;

  private SafetensorsCheckpoint(Map<String, SafetensorsFile> fileOf, List<SafetensorsFile> files) {
    this.fileOf = Collections.unmodifiableMap(fileOf);
    this.files = files;
  }

  /** A folder (looks for model.safetensors.index.json, then model.safetensors), a .safetensors file or an index file. */
  public static SafetensorsCheckpoint open(Path path) {
    return open(path, "model");
  }

  public static SafetensorsCheckpoint open(Path path, String prefix) {
    if (Files.isDirectory(path)) {
      Path index = path.resolve(prefix + ".safetensors.index.json");
      if (Files.isRegularFile(index)) return openIndex(index);
      Path single = path.resolve(prefix + ".safetensors");
      if (Files.isRegularFile(single)) return openSingle(single);
      throw new FormatException(path, "no " + single.getFileName() + " and no " + index.getFileName() + " in this folder");
    }
    if (path.getFileName().toString().endsWith(".json")) return openIndex(path);
    return openSingle(path);
  }

  private static SafetensorsCheckpoint openSingle(Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, SafetensorsFile> map = new TreeMap<>();
    for (String name : f.names()) map.put(name, f);
    return new SafetensorsCheckpoint(map, List.of(f));
  }

  private static SafetensorsCheckpoint openIndex(Path index) {
    JsonNode weightMap = JsonFiles.readObject(index).get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw new FormatException(index, "missing key 'weight_map' (an object of tensor name -> shard file)");
    }
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    Map<String, SafetensorsFile> fileOf = new TreeMap<>();
    try {
      for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
        if (!e.getValue().isTextual()) {
          throw new FormatException(index, "weight_map['" + e.getKey() + "'] must be a file name, found " + e.getValue());
        }
        SafetensorsFile shard = shards.computeIfAbsent(e.getValue().asText(), n -> openShard(index, e.getKey(), n));
        if (!shard.contains(e.getKey())) {
          throw new FormatException(index, "weight_map puts tensor '" + e.getKey() + "' in " + e.getValue().asText()
              + ", which has no such tensor");
        }
        fileOf.put(e.getKey(), shard);
      }
    } catch (RuntimeException ex) {
      shards.values().forEach(SafetensorsFile::close);
      throw ex;
    }
    return new SafetensorsCheckpoint(fileOf, new ArrayList<>(shards.values()));
  }

  private static SafetensorsFile openShard(Path index, String tensor, String shardName) {
    Path shard = index.resolveSibling(shardName);
    if (shardName.contains("/") || shardName.contains("\\") || !Files.isRegularFile(shard)) {
      throw new FormatException(index, "weight_map puts tensor '" + tensor + "' in " + shardName
          + ", which is not a file beside the index");
    }
    return SafetensorsFile.open(shard);
  }

  /** Tensor names, sorted. */
  public List<String> names() {
    return new ArrayList<>(fileOf.keySet());
  }

  public boolean contains(String name) {
    return fileOf.containsKey(name);
  }

  public SafetensorsEntry entry(String name) {
    return file(name).entry(name);
  }

  public ByteBuffer bytes(String name) {
    return file(name).bytes(name);
  }

  public byte[] copy(String name) {
    return file(name).copy(name);
  }

  /** The shard holding a tensor. */
  public SafetensorsFile file(String name) {
    SafetensorsFile f = fileOf.get(name);
    if (f == null) throw new IllegalArgumentException("checkpoint has no tensor named '" + name + "'");
    return f;
  }

  public List<SafetensorsFile> files() {
    return Collections.unmodifiableList(files);
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
