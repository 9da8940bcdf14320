package dev.lathe.engine.train.methods;

import dev.lathe.engine.data.EncodedExample;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cache key of precomputed reference log-probs: SHA-256 over the reference model's files
 * (config and weights, by content), the tokenizer files, every example's token ids (which already
 * reflect the data, the template and the length cuts), sequence_len and the numeric settings.
 */
public final class RefCacheKey {
  private final MessageDigest sha;

  public RefCacheKey() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every regular file of a model folder whose name marks it as config, weights or tokenizer. */
  public RefCacheKey folder(String label, Path dir) {
    text(label);
    if (dir == null) return this;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String n = f.getFileName().toString();
        if (n.endsWith(".json") || n.endsWith(".safetensors") || n.endsWith(".model") || n.endsWith(".txt")) file(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + " for the reference cache key: " + e.getMessage(), e);
    }
    return this;
  }

  private void file(Path f) throws IOException {
    text(f.getFileName().toString());
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(f)) {
      for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
    }
  }

  public RefCacheKey examples(List<EncodedExample> xs) {
    text("examples " + xs.size());
    for (EncodedExample e : xs) {
      ints(e.prompt());
      for (int[] c : e.completions()) ints(c);
    }
    return this;
  }

  public RefCacheKey text(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
    sha.update(b);
    return this;
  }

  private void ints(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * v.length).putInt(v.length);
    for (int x : v) b.putInt(x);
    sha.update(b.array());
  }

  public String hex() { return HexFormat.of().formatHex(sha.digest()); }
}
