package dev.lathe.engine.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starting ranks on this machine: a child JVM with this JVM's own java binary, flags and class path,
 * and torchrun's variables in its environment. `lathe train --num-processes N` and the specs use it.
 */
public final class LocalRanks {
  private LocalRanks() {}

  /** A TCP port that was free a moment ago on loopback (the rendezvous port of a local job). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on loopback: " + e.getMessage(), e);
    }
  }

  /** java [this JVM's flags] -cp [this class path] mainClass args... */
  public static List<String> javaCommand(String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // a debugger agent would clash on its port in every child
      if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent")) cmd.add(a);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return cmd;
  }

  /** torchrun's variables for local rank `rank` of `world` ranks, with `threads` libtorch threads each. */
  public static Map<String, String> environment(int port, int rank, int world, int threads) {
    return Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port), "WORLD_SIZE", Integer.toString(world),
        "RANK", Integer.toString(rank), "LOCAL_RANK", Integer.toString(rank), "LOCAL_WORLD_SIZE", Integer.toString(world),
        "LATHE_THREADS", Integer.toString(threads));
  }

  /** Threads per rank: the cores this JVM sees divided among the local ranks (at least 1). */
  public static int threadsPerRank(int localRanks) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, localRanks));
  }
}
