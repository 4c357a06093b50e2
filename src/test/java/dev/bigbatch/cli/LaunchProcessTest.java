package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.train.Checkpoints;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real worker JVMs on Fashion-MNIST (a 512-example slice): launch, equivalence, kill and resume. */
class LaunchProcessTest {
  static final Path FMNIST = Path.of("/usr/share/datasets/fashion-mnist");

  @BeforeAll
  static void needsData() {
    Assumptions.assumeTrue(Files.isDirectory(FMNIST), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
  }

  static List<String> trainArgs(Path out, String... extra) {
    return trainArgs(out, 1, extra);
  }

  static List<String> trainArgs(Path out, int epochs, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--model", "resnet8", "--width", "4", "--workers", "4",
        "--batch-per-worker", "8", "--train-limit", "512", "--epochs", "" + epochs, "--warmup-epochs", "0.25",
        "--base-batch", "32", "--threads", "1", "--out", out.toString()));
    a.addAll(List.of(extra));
    return a;
  }

  static ProcessBuilder java(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx1g",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(args);
    return new ProcessBuilder(cmd);
  }

  static float[] params(Path checkpoint) {
    Checkpoints.State s = Checkpoints.load(checkpoint);
    int n = 0;
    for (Map.Entry<String, float[]> e : s.tensors().entrySet()) {
      if (e.getKey().startsWith("param/")) {
        n += e.getValue().length;
      }
    }
    float[] all = new float[n];
    int at = 0;
    for (Map.Entry<String, float[]> e : s.tensors().entrySet()) {
      if (e.getKey().startsWith("param/")) {
        System.arraycopy(e.getValue(), 0, all, at, e.getValue().length);
        at += e.getValue().length;
      }
    }
    return all;
  }

  @Test
  void twoLaunchedProcessesEqualOneProcessWithVirtualWorkers(@TempDir Path dir) throws Exception {
    Path single = dir.resolve("single");
    assertEquals(0, Main.run(trainArgs(single).toArray(String[]::new)));

    Path dist = dir.resolve("dist");
    List<String> launch = new ArrayList<>(List.of("launch", "--nproc", "2", "--"));
    launch.addAll(trainArgs(dist));
    Process p = java(launch).redirectErrorStream(true).redirectOutput(dir.resolve("launch.log").toFile()).start();
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "launch did not finish");
    String log = Files.readString(dir.resolve("launch.log"));
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("[rank 0] "), log);

    float[] a = params(single.resolve("checkpoint.bin"));
    float[] b = params(dist.resolve("checkpoint.bin"));
    assertEquals(a.length, b.length);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-5 * Math.max(1, Math.abs(a[i])), "parameter element " + i);
    }
  }

  /**
   * SIGTERM to launch stops its workers (issue 17): they used to go on training, re-parented to PID 1. The workers
   * are launch's direct children running the CLI; the JVM's shutdown hook gives them {@code GRACE_MILLIS}, then SIGKILL.
   */
  @Test
  void sigtermToLaunchStopsEveryWorker(@TempDir Path dir) throws Exception {
    List<String> launch = new ArrayList<>(List.of("launch", "--nproc", "2", "--"));
    launch.addAll(trainArgs(dir.resolve("run"), 500)); // far longer than the test waits
    Process p = java(launch).redirectErrorStream(true).redirectOutput(dir.resolve("launch.log").toFile()).start();
    List<ProcessHandle> workers = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (workers.size() < 2 && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(100);
      workers = p.children().filter(h -> h.info().commandLine().orElse("").contains(Main.class.getName())).toList();
    }
    assertEquals(2, workers.size(), Files.readString(dir.resolve("launch.log")));
    Thread.sleep(500); // both are past start-up
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "launch did not exit on SIGTERM");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (workers.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
      Thread.sleep(50);
    }
    List<ProcessHandle> left = workers.stream().filter(ProcessHandle::isAlive).toList();
    left.forEach(ProcessHandle::destroyForcibly); // do not leak them into the rest of the suite
    assertTrue(left.isEmpty(), "workers still running after launch got SIGTERM: " + left);
  }

  /** The command in two JVMs, one after the other: bit-identical parameters (it died with NaN at random on Zen 5). */
  @Test
  void theSameRunInTwoJvmsIsBitIdentical(@TempDir Path dir) throws Exception {
    float[][] params = new float[2][];
    for (int i = 0; i < 2; i++) {
      Path out = dir.resolve("run" + i);
      Process p = java(trainArgs(out)).redirectErrorStream(true).redirectOutput(dir.resolve(i + ".log").toFile()).start();
      assertTrue(p.waitFor(3, TimeUnit.MINUTES), "train did not finish");
      assertEquals(0, p.exitValue(), Files.readString(dir.resolve(i + ".log")));
      params[i] = params(out.resolve("checkpoint.bin"));
    }
    assertArrayEquals(params[0], params[1]);
  }

  @Test
  void killedWorkerFailsTheOthersNamingItAndResumeFinishes(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("run");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    double timeoutSeconds = 4;
    List<Process> workers = new ArrayList<>();
    for (int rank = 0; rank < 2; rank++) {
      ProcessBuilder pb = java(trainArgs(out, 4, "--checkpoint-every", "4",
          "--comm-timeout", Double.toString(timeoutSeconds)));
      pb.environment().putAll(Map.of("BIGBATCH_RANK", "" + rank, "BIGBATCH_WORLD_SIZE", "2",
          "BIGBATCH_MASTER_ADDR", "127.0.0.1", "BIGBATCH_MASTER_PORT", "" + port, "BIGBATCH_SECRET", "kill-test"));
      workers.add(pb.redirectErrorStream(true).redirectOutput(dir.resolve("rank" + rank + ".log").toFile()).start());
    }
    Path ckpt = out.resolve("checkpoint.bin");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!Files.exists(ckpt) && System.nanoTime() < deadline && workers.get(0).isAlive()) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(ckpt), Files.readString(dir.resolve("rank0.log")));
    workers.get(1).destroyForcibly(); // SIGKILL mid-run
    long killed = System.nanoTime();
    assertTrue(workers.get(0).waitFor((long) (2 * timeoutSeconds) + 5, TimeUnit.SECONDS), "survivor hung");
    double took = (System.nanoTime() - killed) / 1e9;
    String log = Files.readString(dir.resolve("rank0.log"));
    assertNotEquals(0, workers.get(0).exitValue(), log);
    assertTrue(took <= 2 * timeoutSeconds, "survivor took " + took + " s");
    assertTrue(log.contains("rank 1"), "error names the dead rank: " + log);
    long savedStep = Checkpoints.load(ckpt).nextStep();
    assertTrue(savedStep > 0 && savedStep < 64, "checkpoint mid-run, at step " + savedStep);

    // Relaunch both with --resume: the run finishes.
    List<String> launch = new ArrayList<>(List.of("launch", "--nproc", "2", "--"));
    launch.addAll(trainArgs(out, 4, "--checkpoint-every", "4", "--resume", ckpt.toString()));
    Process p = java(launch).redirectErrorStream(true).redirectOutput(dir.resolve("resume.log").toFile()).start();
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "resume did not finish");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("resume.log")));
    assertEquals(64, Checkpoints.load(ckpt).nextStep());
  }

}
