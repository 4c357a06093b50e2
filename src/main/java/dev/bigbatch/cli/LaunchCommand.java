package dev.bigbatch.cli;

import dev.bigbatch.comm.rendezvous.EnvWorld;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bigbatch launch --nproc K -- train …}: starts K worker JVMs on this machine that meet
 * through a TCP store on a free loopback port, prefixes their output with the rank, and fails (and
 * stops the others) as soon as one worker fails.
 */
@Command(name = "launch", mixinStandardHelpOptions = true,
    description = "Start K local worker processes running a bigbatch command (e.g. train) as one job.")
public final class LaunchCommand implements Callable<Integer> {
  /** Intra-op threads per worker when the command does not say (cores / K, at least 1). */
  static final String THREADS_ENV = dev.bigbatch.job.Cluster.THREADS_ENV;

  @Option(names = "--nproc", required = true, description = "Number of worker processes K.")
  int nproc;

  @Option(names = "--master-port", description = "Port of the rendezvous store (default: a free port).", defaultValue = "0")
  int masterPort;

  @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The bigbatch command each worker runs, after --.")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    if (nproc < 1) {
      throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
    }
    int port = masterPort > 0 ? masterPort : freePort();
    String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
    List<Process> workers = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> pumps = new ArrayList<>();
    // launch owns its workers: SIGTERM or SIGINT to it (the JVM runs shutdown hooks, not finally blocks) stops
    // every worker too, instead of leaving them training, re-parented to PID 1.
    Thread stopWorkers = new Thread(() -> stop(workers), "launch-stop-workers");
    Runtime.getRuntime().addShutdownHook(stopWorkers);
    try {
      for (int rank = 0; rank < nproc; rank++) {
        ProcessBuilder pb = new ProcessBuilder(javaCommand()).redirectErrorStream(true);
        pb.environment().put(EnvWorld.RANK, Integer.toString(rank));
        pb.environment().put(EnvWorld.WORLD_SIZE, Integer.toString(nproc));
        pb.environment().put(EnvWorld.MASTER_ADDR, "127.0.0.1");
        pb.environment().put(EnvWorld.MASTER_PORT, Integer.toString(port));
        pb.environment().put("BIGBATCH_SECRET", secret);
        pb.environment().putIfAbsent(THREADS_ENV, Integer.toString(threads));
        Process p = pb.start();
        workers.add(p);
        pumps.add(pump(p, "[rank " + rank + "] ", System.out));
      }
      int exit = waitAll(workers);
      for (Thread t : pumps) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
      return exit;
    } finally {
      stop(workers);
      try {
        Runtime.getRuntime().removeShutdownHook(stopWorkers);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running
      }
    }
  }

  /** How long stopped workers get to exit on SIGTERM (closing sockets, no checkpoint) before SIGKILL. */
  static final long GRACE_MILLIS = 1000;

  /**
   * SIGTERM to every live worker, then SIGKILL to those still alive after {@link #GRACE_MILLIS} in all (a worker
   * stopped with SIGSTOP, or hung, ignores SIGTERM: it used to hold launch 10 s per worker).
   */
  static void stop(List<Process> workers) {
    List<Process> live;
    synchronized (workers) {
      live = workers.stream().filter(Process::isAlive).toList();
    }
    live.forEach(Process::destroy);
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
    for (Process p : live) {
      try {
        if (!p.waitFor(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }

  /** Waits until all exit 0, or the first failure; then stops the rest and returns its code. */
  private static int waitAll(List<Process> workers) throws InterruptedException {
    while (true) {
      boolean allDone = true;
      for (int rank = 0; rank < workers.size(); rank++) {
        Process p = workers.get(rank);
        if (p.isAlive()) {
          allDone = false;
        } else if (p.exitValue() != 0) {
          System.err.println("bigbatch launch: rank " + rank + " exited with code " + p.exitValue()
              + "; stopping the other workers");
          stop(workers);
          return p.exitValue();
        }
      }
      if (allDone) {
        return 0;
      }
      Thread.sleep(100);
    }
  }

  private List<String> javaCommand() {
    return javaCommand(command);
  }

  /** This JVM's java binary and flags (agents left out) running {@code bigbatch ARGS}: a worker or a reproduce job. */
  static List<String> javaCommand(List<String> bigbatchArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
        cmd.add(arg);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(bigbatchArgs);
    return cmd;
  }

  private static Thread pump(Process p, String prefix, PrintStream out) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          synchronized (out) {
            out.println(prefix + line);
          }
        }
      } catch (IOException e) {
        // the worker went away; its exit code tells the story
      }
    }, "launch-output-" + prefix.trim());
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port for the rendezvous store", e);
    }
  }
}
