package dev.bigbatch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.io.AtomicFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Measures the bytes this process sends per training step: reads the socket-level counter
 * ({@link Replicas#bytesSent()}) after every step and keeps the differences. A step's difference also
 * holds whatever ran since the previous step (the start broadcast, epoch-end evaluation), so the
 * summary reports the median, which is the steady per-step cost, next to min, max and the total. On
 * rank 0 it writes {@code comm-bytes.json} into the run directory and prints one line.
 */
public final class CommBytesListener implements TrainListener {
  private final LongSupplier bytesSent;
  private final Path dir;
  private final PrintStream console;
  private final long startBytes;
  private long last;
  private final List<Long> perStep = new ArrayList<>();

  /** @param dir where to write comm-bytes.json, or null (other ranks) */
  public CommBytesListener(LongSupplier bytesSent, Path dir, PrintStream console) {
    this.bytesSent = bytesSent;
    this.dir = dir;
    this.console = console;
    this.startBytes = bytesSent.getAsLong();
    this.last = startBytes;
  }

  @Override
  public void onStep(StepMetrics m) {
    long now = bytesSent.getAsLong();
    perStep.add(now - last);
    last = now;
  }

  /** Median bytes sent per step so far (0 before the first step). */
  public long medianBytesPerStep() {
    if (perStep.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(perStep);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  @Override
  public void onEnd(EpochMetrics lastEpoch, Throwable error) {
    if (dir == null || perStep.isEmpty()) {
      return;
    }
    long total = bytesSent.getAsLong() - startBytes;
    String json = new ObjectMapper().createObjectNode().put("steps", perStep.size())
        .put("medianBytesPerStep", medianBytesPerStep()).put("minBytesPerStep", Collections.min(perStep))
        .put("maxBytesPerStep", Collections.max(perStep)).put("totalBytes", total) + System.lineSeparator();
    AtomicFiles.writeString(dir.resolve("comm-bytes.json"), json);
    console.printf(Locale.ROOT, "comm: rank 0 sent %.1f KB per step (median of %d steps), %.1f MB in all%n",
        medianBytesPerStep() / 1024.0, perStep.size(), total / 1e6);
  }
}
