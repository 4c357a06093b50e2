package dev.bigbatch.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a finished (or failed) {@code bigbatch train} run left in its directory: {@code config.json},
 * the step and epoch lines of {@code metrics.jsonl} and the status in {@code result.json}.
 */
public record RunData(Path dir, int globalBatch, int stepsPerEpoch, double peakLr, String config, String status,
    List<Step> steps, List<Epoch> epochs) {

  /** One step line: where it is in training (fractional epochs), its loss and learning rate. */
  public record Step(long step, double epochs, double loss, double lr) {}

  /** One epoch line (epoch numbers start at 0); errors are fractions in [0, 1]. */
  public record Epoch(long epoch, double trainLoss, double trainError, double testLoss, double testError) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public RunData {
    steps = List.copyOf(steps);
    epochs = List.copyOf(epochs);
  }

  public static boolean isRunDir(Path dir) {
    return Files.isRegularFile(dir.resolve("metrics.jsonl"));
  }

  public static RunData load(Path dir) {
    try {
      JsonNode cfg = Files.isRegularFile(dir.resolve("config.json")) ? JSON.readTree(dir.resolve("config.json").toFile())
          : JSON.createObjectNode();
      JsonNode res = Files.isRegularFile(dir.resolve("result.json")) ? JSON.readTree(dir.resolve("result.json").toFile())
          : JSON.createObjectNode();
      List<Step> steps = new ArrayList<>();
      List<Epoch> epochs = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          continue; // a run killed mid-line leaves a partial last line; the rest is still good
        }
        switch (n.path("kind").asText()) {
          case "step" -> steps.add(new Step(n.path("step").asLong(),
              n.path("epoch").asLong() + (n.path("stepInEpoch").asDouble() + 1) / Math.max(1, n.path("stepsPerEpoch").asInt(1)),
              n.path("loss").asDouble(), n.path("lr").asDouble()));
          case "epoch" -> epochs.add(new Epoch(n.path("epoch").asLong(), n.path("trainLoss").asDouble(),
              1 - n.path("trainAccuracy").asDouble(), n.path("testLoss").asDouble(), 1 - n.path("testAccuracy").asDouble()));
          default -> { }
        }
      }
      return new RunData(dir, cfg.path("globalBatch").asInt(0), cfg.path("stepsPerEpoch").asInt(0),
          cfg.path("peakLr").asDouble(Double.NaN), cfg.path("config").asText(""), res.path("status").asText("running"),
          steps, epochs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read run directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The job this run was started with (the {@value Specs#JOB_KEY} object of its {@code config.json}, defaults filled
   * in), or null for a run directory written before config.json held it.
   *
   * @throws IllegalArgumentException naming the file and key when the job there is not valid
   */
  public JobSpec job() {
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(file.toFile()).path(Specs.JOB_KEY);
      return node.isObject() ? Specs.builder(file, node).build() : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public boolean completed() {
    return status.equals("completed");
  }

  /** True for a run that has ended (completed, or failed: diverged, killed by an error), false while it runs. */
  public boolean finished() {
    return !status.equals("running");
  }

  /**
   * Goyal's error of a run: the median of the last {@code last} epochs' test errors; NaN if the run
   * did not complete (diverged or stopped).
   */
  public double finalTestError(int last) {
    if (!completed() || epochs.isEmpty()) {
      return Double.NaN;
    }
    double[] e = epochs.subList(Math.max(0, epochs.size() - last), epochs.size()).stream()
        .mapToDouble(Epoch::testError).toArray();
    return median(e);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
}
