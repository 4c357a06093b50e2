package dev.bigbatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code reproduce --jobs N}: trains up to N runs at once, each in its own JVM ({@code bigbatch train ARGS}, this
 * JVM's java and flags), in submission order, its output in a log file. Separate processes because LibTorch's
 * generator and thread pool are process-wide: two runs in one JVM would share them. Children die with this JVM
 * (a shutdown hook), so a killed reproduce leaves no orphan training runs.
 */
final class TrainJobs implements AutoCloseable {
  private final ExecutorService pool;
  private final int threadsPerJob;
  private final PrintWriter out;
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private final List<Future<Integer>> pending = new ArrayList<>();
  private final Thread killChildren;

  /** @param threadsPerJob LibTorch threads of a run that does not set {@code --threads} (0: the run's default) */
  TrainJobs(int jobs, int threadsPerJob, PrintWriter out) {
    this.pool = Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "reproduce-job");
      t.setDaemon(true);
      return t;
    });
    this.threadsPerJob = threadsPerJob;
    this.out = out;
    this.killChildren = new Thread(() -> live.forEach(Process::destroyForcibly), "reproduce-jobs-cleanup");
    Runtime.getRuntime().addShutdownHook(killChildren);
  }

  /** Queues {@code bigbatch ARGS}; its output goes to {@code log} (created with its folder). */
  void submit(String name, List<String> args, Path log) {
    pending.add(pool.submit(() -> run(name, args, log)));
  }

  private int run(String name, List<String> args, Path log) throws IOException, InterruptedException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder pb = new ProcessBuilder(LaunchCommand.javaCommand(args)).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    if (threadsPerJob > 0) {
      pb.environment().put(LaunchCommand.THREADS_ENV, Integer.toString(threadsPerJob));
    }
    long t0 = System.nanoTime();
    Process p = pb.start();
    live.add(p);
    synchronized (out) {
      out.printf("  %s: started (output in %s)%n", name, log);
      out.flush();
    }
    try {
      int code = p.waitFor();
      synchronized (out) {
        out.printf("  %s: exit %d after %s (output in %s)%n", name, code,
            Duration.ofNanos(System.nanoTime() - t0).withNanos(0), log);
        out.flush();
      }
      return code;
    } finally {
      live.remove(p);
    }
  }

  /** Waits for every queued run; returns how many exited non-zero. */
  int awaitAll() throws InterruptedException {
    int failed = 0;
    for (Future<Integer> f : pending) {
      try {
        failed += f.get() == 0 ? 0 : 1;
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        throw c instanceof IOException io ? new UncheckedIOException("cannot start a training run: " + io.getMessage(), io)
            : new IllegalStateException(c);
      }
    }
    return failed;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    live.forEach(Process::destroyForcibly);
    try {
      Runtime.getRuntime().removeShutdownHook(killChildren);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }
}
