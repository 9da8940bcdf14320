package dev.lathe.engine.dist;

import java.time.Duration;
import java.util.Map;

/**
 * Where and as whom a process joins a job: torchrun's variables (MASTER_ADDR, MASTER_PORT,
 * WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE), so any torchrun-style launcher (torchrun itself,
 * Slurm or Kubernetes scripts, Lathe's own --num-processes) can start Lathe ranks.
 *
 * @param device where Gloo binds: "" = the address the host name resolves to, "host:ADDR", or
 *               "if:NAME" (GLOO_SOCKET_IFNAME, as in PyTorch). Loopback masters bind to 127.0.0.1.
 */
public record Rendezvous(String masterAddr, int masterPort, int rank, int world, int localRank, int localWorld,
                         String backend, String device, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30); // torch's default process-group timeout

  public Rendezvous {
    if (world < 1) throw new IllegalArgumentException("WORLD_SIZE must be >= 1, found " + world);
    if (rank < 0 || rank >= world) throw new IllegalArgumentException("RANK must be in [0, " + world + "), found " + rank);
    if (masterPort < 1 || masterPort > 65535) throw new IllegalArgumentException("MASTER_PORT must be a TCP port, found " + masterPort);
    if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("the process-group timeout must be positive, found " + timeout);
  }

  /** A local rank on loopback (what --num-processes starts). */
  public static Rendezvous local(int port, int rank, int world, Duration timeout) {
    return new Rendezvous("127.0.0.1", port, rank, world, rank, world, "gloo", "host:127.0.0.1", timeout);
  }

  /** True when the environment describes a job of more than one process (WORLD_SIZE > 1). */
  public static boolean inEnvironment(Map<String, String> env) {
    String w = env.get("WORLD_SIZE");
    return w != null && !w.isBlank() && !w.strip().equals("1");
  }

  /** Reads torchrun's variables; every missing or malformed one is named. */
  public static Rendezvous fromEnvironment(Map<String, String> env, Duration timeout) {
    int world = integer(env, "WORLD_SIZE", null);
    int rank = integer(env, "RANK", null);
    int localRank = integer(env, "LOCAL_RANK", rank);
    int localWorld = integer(env, "LOCAL_WORLD_SIZE", world);
    String addr = env.getOrDefault("MASTER_ADDR", "").strip();
    if (addr.isEmpty()) throw new IllegalArgumentException("MASTER_ADDR is not set (WORLD_SIZE=" + world + " asks for a distributed run)");
    int port = integer(env, "MASTER_PORT", null);
    String iface = env.getOrDefault("GLOO_SOCKET_IFNAME", "").strip();
    boolean loopback = addr.equals("localhost") || addr.startsWith("127.");
    String device = !iface.isEmpty() ? "if:" + iface : loopback ? "host:127.0.0.1" : "";
    String backend = env.getOrDefault("LATHE_DIST_BACKEND", "gloo").strip();
    return new Rendezvous(addr, port, rank, world, localRank, localWorld, backend, device, timeout);
  }

  private static int integer(Map<String, String> env, String key, Integer fallback) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      if (fallback != null) return fallback;
      throw new IllegalArgumentException(key + " is not set (a distributed run needs MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK)");
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, found '" + v + "'");
    }
  }
}
