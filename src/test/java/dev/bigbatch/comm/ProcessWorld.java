package dev.bigbatch.comm;

import dev.bigbatch.comm.net.JobSecret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Ranks as separate JVMs running {@link ProcessWorkerMain}; their output lines are timestamped. */
final class ProcessWorld implements AutoCloseable {
  record Line(String text, long nanos) {
  }

  private final int size;
  private final String mode;
  private final Duration timeout;
  private final int masterPort;
  private final JobSecret secret = JobSecret.random();
  private final Process[] processes;
  private final List<List<Line>> output = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();

  ProcessWorld(int size, String mode, Duration timeout) throws IOException {
    this.size = size;
    this.mode = mode;
    this.timeout = timeout;
    this.processes = new Process[size];
    try (ServerSocket s = new ServerSocket(0)) {
      this.masterPort = s.getLocalPort();
    }
    for (int r = 0; r < size; r++) {
      output.add(new CopyOnWriteArrayList<>());
    }
  }

  int masterPort() {
    return masterPort;
  }

  void startAll() throws IOException {
    for (int r = 0; r < size; r++) {
      start(r);
    }
  }

  void start(int rank) throws IOException {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp, ProcessWorkerMain.class.getName(),
        mode, Long.toString(timeout.toMillis()));
    pb.redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("BIGBATCH_RANK", Integer.toString(rank));
    env.put("BIGBATCH_WORLD_SIZE", Integer.toString(size));
    env.put("BIGBATCH_MASTER_ADDR", "127.0.0.1");
    env.put("BIGBATCH_MASTER_PORT", Integer.toString(masterPort));
    env.put("BIGBATCH_SECRET", secret.toHex());
    Process p = pb.start();
    processes[rank] = p;
    List<Line> lines = output.get(rank);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String s;
        while ((s = in.readLine()) != null) {
          lines.add(new Line(s, System.nanoTime()));
        }
      } catch (IOException e) {
        lines.add(new Line("READER " + e, System.nanoTime()));
      }
    }, "rank-" + rank + "-stdout");
    reader.start();
    readers.add(reader);
  }

  Process process(int rank) {
    return processes[rank];
  }

  /** Waits for the first line of {@code rank} matching {@code p}. */
  Line await(int rank, Predicate<String> p, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      for (Line l : output.get(rank)) {
        if (p.test(l.text())) {
          return l;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("rank " + rank + " printed no matching line within " + max + "; output:\n" + dump(rank));
  }

  String dump(int rank) {
    StringBuilder b = new StringBuilder();
    for (Line l : output.get(rank)) {
      if (!l.text().startsWith("ITER")) {
        b.append("  ").append(l.text()).append('\n');
      }
    }
    return b.toString();
  }

  void signal(int rank, String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, Long.toString(processes[rank].pid())).inheritIO().start().waitFor();
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
    for (Process p : processes) {
      if (p != null) {
        p.waitFor(20, TimeUnit.SECONDS);
      }
    }
    for (Thread t : readers) {
      t.join(10_000);
    }
  }
}
