package dev.bigbatch.cli;

import dev.bigbatch.data.Batch;
import dev.bigbatch.data.ImageDataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code bench/step_reference.py} (PyTorch) as a subprocess on the same batch: the batch is written
 * once to a temporary file (float32 NCHW images then int64 labels, little endian) that the script reads.
 */
final class StepReference {
  private static final Pattern RESNET = Pattern.compile("resnet(\\d+)");
  private static final Pattern MEDIAN = Pattern.compile("^median_(cpu_)?ms ([0-9.]+)$");
  private static final long TIMEOUT_MINUTES = 30;

  private final String python;
  private final Path script;
  private final int depth;
  private final String version;
  private Path batchFile;

  private StepReference(String python, Path script, int depth, String version) {
    this.python = python;
    this.script = script;
    this.depth = depth;
    this.version = version;
  }

  /** The reference, or null after printing why it cannot run (no PyTorch, no script, no such model). */
  static StepReference find(String python, Path script, String model, PrintStream out) {
    Matcher m = RESNET.matcher(model.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      out.println("pytorch reference: skipped, it only implements the CIFAR ResNets (resnet8, resnet20, …), not " + model);
      return null;
    }
    Path s = script != null ? script : defaultScript();
    if (s == null || !Files.isRegularFile(s)) {
      out.println("pytorch reference: skipped, cannot find bench/step_reference.py"
          + (s == null ? "" : " at " + s) + "; pass --reference FILE");
      return null;
    }
    String version = torchVersion(python);
    if (version == null) {
      out.println("pytorch reference: skipped, " + python + " cannot import torch"
          + " (install Debian's python3-torch: sudo apt-get install python3-torch); timing bigbatch only");
      return null;
    }
    return new StepReference(python, s, Integer.parseInt(m.group(1)), "PyTorch " + version);
  }

  String version() {
    return version;
  }

  Path script() {
    return script;
  }

  /** Median wall and CPU ms/step of one PyTorch run of {@code steps} timed steps. */
  BenchStepCommand.Timing time(Batch batch, ImageDataset d, int perWorkerBatch, int workers, int width, int threads, int steps,
      int warmupSteps) throws IOException, InterruptedException {
    if (batchFile == null) {
      batchFile = writeBatch(batch);
    }
    List<String> cmd = List.of(python, script.toString(), "--batch-file", batchFile.toString(),
        "--shape", d.channels() + "," + d.height() + "," + d.width(), "--depth", Integer.toString(depth),
        "--width", Integer.toString(width), "--batch-per-worker", Integer.toString(perWorkerBatch),
        "--workers", Integer.toString(workers), "--threads", Integer.toString(threads),
        "--steps", Integer.toString(steps), "--warmup-steps", Integer.toString(warmupSteps), "--repeats", "1");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Double median = null;
    Double cpuMedian = null;
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
        Matcher m = MEDIAN.matcher(line.trim());
        if (m.matches() && m.group(1) == null) {
          median = Double.parseDouble(m.group(2));
        } else if (m.matches()) {
          cpuMedian = Double.parseDouble(m.group(2));
        }
      }
    } finally {
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
      }
    }
    if (p.exitValue() != 0 || median == null || cpuMedian == null) {
      throw new IllegalStateException("the PyTorch reference failed (exit " + p.exitValue() + "): " + String.join(" ", cmd)
          + "\n" + String.join("\n", lines));
    }
    return new BenchStepCommand.Timing(median, cpuMedian);
  }

  private static Path writeBatch(Batch batch) throws IOException {
    Path f = Files.createTempFile("bigbatch-step-batch", ".bin");
    f.toFile().deleteOnExit();
    ByteBuffer buf = ByteBuffer.allocate(batch.images().capacity() * Float.BYTES + batch.labels().length * Long.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(batch.images().duplicate().rewind());
    buf.position(batch.images().capacity() * Float.BYTES);
    buf.asLongBuffer().put(batch.labels());
    buf.rewind();
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
    return f;
  }

  /** {@code torch.__version__}, or null when the interpreter is missing or has no torch. */
  private static String torchVersion(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        return null;
      }
      String[] lines = out.split("\n");
      return lines[lines.length - 1].trim();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** bench/step_reference.py of the checkout whose target/ holds this class (jar or classes directory). */
  private static Path defaultScript() {
    try {
      Path here = Path.of(StepReference.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path dir = here; dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve("bench").resolve("step_reference.py");
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // fall through to the working directory
    }
    Path cwd = Path.of("bench", "step_reference.py");
    return Files.isRegularFile(cwd) ? cwd.toAbsolutePath() : null;
  }

  /** The 1-minute load average (other processes share the cores; timings are only comparable at equal load). */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | UncheckedIOException e) {
      return "unknown";
    }
  }
}
