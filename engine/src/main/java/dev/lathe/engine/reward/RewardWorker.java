package dev.lathe.engine.reward;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The main class of a reward worker process ({@link ProcessCalls} starts it with the trainer's java and classpath):
 * builds the reward functions with the {@link Factory} named on its command line, announces them, then answers
 * one call per line of stdin, one at a time, on stdout (the protocol is {@link RewardWire}'s). The functions' own
 * prints go to stderr, so they cannot corrupt the protocol. It exits when stdin closes.
 */
public final class RewardWorker {
  /** Rebuilds, in the worker, the reward functions the trainer uses (same names, order and forms). */
  public interface Factory {
    List<Reward> rewards(String argument) throws Exception;
  }

  private RewardWorker() {}

  public static void main(String[] args) throws Exception {
    PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    List<Reward> rewards;
    try {
      if (args.length != 2) throw new IllegalArgumentException("usage: RewardWorker FACTORY_CLASS ARGUMENT");
      Factory f = (Factory) Class.forName(args[0]).getDeclaredConstructor().newInstance();
      rewards = f.rewards(args[1]);
    } catch (Throwable t) {
      Throwable c = t instanceof java.lang.reflect.InvocationTargetException i ? i.getCause() : t;
      protocol.println(RewardWire.fatal(c.getClass().getName() + ": " + c.getMessage()));
      System.exit(2);
      return;
    }
    protocol.println(RewardWire.ready(rewards));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      RewardWire.Request r = RewardWire.readRequest(line);
      Reward fn = rewards.get(r.fn());
      String out;
      try {
        Object v = fn.perSample() != null ? fn.perSample().score(r.samples().get(0)) : fn.perGroup().score(r.samples());
        out = RewardWire.result(r.id(), v);
      } catch (Throwable t) {
        out = RewardWire.failure(r.id(), t);
      }
      protocol.println(out);
    }
    System.exit(0);
  }
}
