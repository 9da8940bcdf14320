package dev.lathe.engine.io;

import dev.lathe.engine.io.SafetensorsWriter.Item;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Splits tensors into shards no larger than a threshold and writes transformers' index file. */
final class SafetensorsShards {
  private SafetensorsShards() {}

  static List<Path> write(Path dir, String prefix, long maxShardBytes, List<Item> ordered, Map<String, String> metadata) {
    if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    List<List<Item>> shards = split(ordered, maxShardBytes);
    Path index = dir.resolve(prefix + ".safetensors.index.json");
    if (shards.size() <= 1) {
      Path single = dir.resolve(prefix + ".safetensors");
      SafetensorsWriter.writeFile(single, ordered, metadata);
      AtomicFiles.deleteQuietly(index); // a stale index would point loaders at old shards
      return List.of(single);
    }
    List<Path> written = new ArrayList<>();
    Map<String, Object> weightMap = new TreeMap<>();
    long total = 0;
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("%s-%05d-of-%05d.safetensors", prefix, i + 1, shards.size());
      Path shard = dir.resolve(name);
      SafetensorsWriter.writeFile(shard, shards.get(i), metadata);
      written.add(shard);
      for (Item item : shards.get(i)) {
        weightMap.put(item.name(), name);
        total += item.size();
      }
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("metadata", Map.of("total_size", total));
    root.put("weight_map", weightMap);
    AtomicFiles.writeString(index, PyJson.file(root, true));
    written.add(index);
    return written;
  }

  /** Greedy in order: a new shard starts when the next tensor would overflow the current one. */
  static List<List<Item>> split(List<Item> ordered, long maxShardBytes) {
    List<List<Item>> shards = new ArrayList<>();
    List<Item> current = new ArrayList<>();
    long size = 0;
    for (Item item : ordered) {
      if (!current.isEmpty() && size + item.size() > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(item);
      size += item.size();
    }
    if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
    return shards;
  }
}
