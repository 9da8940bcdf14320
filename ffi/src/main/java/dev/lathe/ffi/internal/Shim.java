package dev.lathe.ffi.internal;

import dev.lathe.ffi.TorchException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.*;
import java.util.zip.CRC32;

/**
 * Loads liblathe_shim.so (from -Dlathe.shim=PATH, or the copy built into this jar) and links
 * downcalls against it. Internal: only generated bindings and dev.lathe.ffi use it.
 */
public final class Shim {
  private Shim() {}

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LOOKUP = SymbolLookup.libraryLookup(locate(), Arena.global());

  public static MethodHandle downcall(String name, FunctionDescriptor desc) {
    MemorySegment sym = LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
        "symbol " + name + " not found in liblathe_shim.so: the shim and the Java bindings are out of step; rebuild (mvn install)"));
    return LINKER.downcallHandle(sym, desc);
  }

  /** Turns a non-NULL error pointer into a TorchException (and frees the native message). */
  public static void check(MemorySegment err) {
    if (err.address() == 0) return;
    String msg = err.reinterpret(Long.MAX_VALUE).getString(0);
    lathe_h.lt_error_free(err);
    throw new TorchException(clean(msg));
  }

  /** libtorch messages end with "Exception raised from ..." lines in some builds: keep the message. */
  static String clean(String msg) {
    int cut = msg.indexOf("\nException raised from");
    return (cut >= 0 ? msg.substring(0, cut) : msg).strip();
  }

  public static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) return r;
    if (t instanceof Error e) throw e;
    return new IllegalStateException(t);
  }

  /** Reads a malloc'd array of n handles and frees the array (not the handles). */
  public static long[] takeList(long arr, long n) {
    MemorySegment seg = MemorySegment.ofAddress(arr).reinterpret(8 * Math.max(n, 1));
    long[] out = seg.asSlice(0, 8 * n).toArray(ValueLayout.JAVA_LONG);
    lathe_h.lt_free(seg);
    return out;
  }

  /** Reads a malloc'd C string and frees it. */
  public static String takeString(MemorySegment p) {
    String s = p.reinterpret(Long.MAX_VALUE).getString(0);
    lathe_h.lt_free(p);
    return s;
  }

  private static Path locate() {
    String explicit = System.getProperty("lathe.shim");
    if (explicit != null) return Path.of(explicit);
    String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
    String res = "/dev/lathe/ffi/native/linux-" + arch + "/liblathe_shim.so";
    URL url = Shim.class.getResource(res);
    if (url == null) {
      throw new UnsatisfiedLinkError("liblathe_shim.so for linux-" + arch + " is not on the classpath (" + res
          + "); build the ffi module (mvn install) or pass -Dlathe.shim=/path/to/liblathe_shim.so");
    }
    try {
      if (url.getProtocol().equals("file")) return Path.of(url.toURI());
      return extract(url);
    } catch (IOException | URISyntaxException e) {
      throw new UnsatisfiedLinkError("cannot load liblathe_shim.so from " + url + ": " + e);
    }
  }

  /** Copies the shim out of a jar into a cache folder keyed by its content (atomic rename). */
  private static Path extract(URL url) throws IOException {
    byte[] bytes;
    try (InputStream in = url.openStream()) {
      bytes = in.readAllBytes();
    }
    CRC32 crc = new CRC32();
    crc.update(bytes);
    String home = System.getProperty("user.home");
    Path dir = Path.of(System.getenv().getOrDefault("XDG_CACHE_HOME", home + "/.cache"), "lathe", "shim",
        Long.toHexString(crc.getValue()) + "-" + bytes.length);
    Path lib = dir.resolve("liblathe_shim.so");
    if (Files.exists(lib) && Files.size(lib) == bytes.length) return lib;
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "shim", ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return lib;
  }
}
