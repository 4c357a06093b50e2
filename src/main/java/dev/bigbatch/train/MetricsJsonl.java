package dev.bigbatch.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.io.AtomicFiles;
import dev.bigbatch.schedule.ScheduleSwitch;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code metrics.jsonl} (one JSON object per line, {@code "kind": "step" | "epoch" | "decision" |
 * "schedule-switch"}; each line
 * is flushed whole, so the file stays valid when a run stops early), {@code config.json} at the
 * start and {@code result.json} at the end (both written to a temp file and renamed). {@code config.json} holds the
 * run's summary values and, under {@value Specs#JOB_KEY}, the whole {@link JobSpec}, so a run directory can be rerun.
 * Its learning rate comes from the plan ({@link StepPlan.Rates}): {@code "peakLr"} (for {@code --batch auto} the peak
 * at the starting batch; the autopilot's decisions carry the rates after each change), or {@code "autoWuMaxLr"} under
 * {@code --schedule autowu}, whose peak is in the schedule-switch line.
 */
public final class MetricsJsonl implements TrainListener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private final Path dir;
  private final BufferedWriter out;
  private final int stepEvery;
  private String version; // null: not recorded
  private List<String> commandLine = List.of();

  /** @param stepEvery write every n-th step (1 = all) */
  public MetricsJsonl(Path dir, int stepEvery) {
    this(dir, stepEvery, false);
  }

  /** @param append keep earlier lines (a resumed run continues its metrics file: see {@link #resumedAt}) */
  public MetricsJsonl(Path dir, int stepEvery, boolean append) {
    this.dir = dir;
    this.stepEvery = Math.max(1, stepEvery);
    try {
      Files.createDirectories(dir);
      out = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics to " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The metrics of a run resumed from a checkpoint taken before step {@code nextStep}: the lines the stopped run
   * wrote after that checkpoint (its steps {@code >= nextStep} and the epoch, decision and schedule-switch lines
   * that followed them, and a line torn by the stop) are dropped first, so the resumed run's file has each step
   * once, as an uninterrupted run's has (TensorBoard's {@code purge_step}). A line belongs to the last step line
   * before it (each is written after its step's line); the file is rewritten to a temp file and renamed.
   */
  public static MetricsJsonl resumedAt(Path dir, int stepEvery, long nextStep) {
    Path file = dir.resolve("metrics.jsonl");
    if (Files.exists(file)) {
      try {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        StringBuilder kept = new StringBuilder(text.length());
        long owner = -1; // the step the current line belongs to
        int from = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
          String line = text.substring(from, nl);
          JsonNode node = parse(line);
          if (node == null) {
            continue; // a torn or foreign line
          }
          if ("step".equals(node.path("kind").asText())) {
            owner = node.path("step").asLong();
          }
          if (owner < nextStep) {
            kept.append(line).append('\n');
          }
        }
        AtomicFiles.writeString(file, kept.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot rewrite " + file + " for the resumed run: " + e.getMessage(), e);
      }
    }
    return new MetricsJsonl(dir, stepEvery, true);
  }

  private static JsonNode parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Also records in {@code config.json} the bigbatch version and the command line that started the run. Returns this. */
  public MetricsJsonl run(String bigbatchVersion, List<String> args) {
    this.version = bigbatchVersion;
    this.commandLine = List.copyOf(args);
    return this;
  }

  @Override
  public void onStart(JobSpec config, String modelDescription, int stepsPerEpoch, long totalSteps, StepPlan.Rates lr) {
    ObjectNode node = JSON.createObjectNode();
    node.put("config", config.summary());
    node.put("model", modelDescription);
    node.put("globalBatch", config.batch().global());
    node.put("perWorkerBatch", config.batch().perWorker());
    node.put("workers", config.batch().virtualWorkers());
    node.put("stepsPerEpoch", stepsPerEpoch);
    node.put("totalSteps", totalSteps);
    if (Double.isNaN(lr.peakLr())) { // AutoWU finds it: the schedule-switch line has it; here only the search's bound
      node.put("autoWuMaxLr", lr.autoWuMaxLr());
    } else {
      node.put("peakLr", lr.peakLr()); // --batch auto: the peak at the starting batch (StepPlan.Rates)
    }
    node.put("gradCompression", config.sync().compression().name().toLowerCase(Locale.ROOT));
    if (version != null) {
      node.put("version", version);
      commandLine.forEach(node.putArray("commandLine")::add);
    }
    node.set(Specs.JOB_KEY, Specs.JSON.valueToTree(config));
    writeAtomically(dir.resolve("config.json"), node);
  }

  @Override
  public void onStep(StepMetrics m) {
    if (m.step() % stepEvery == 0) {
      line("step", JSON.valueToTree(m));
    }
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    line("epoch", JSON.valueToTree(m));
  }

  @Override
  public void onBatchDecision(BatchDecision d) {
    line("decision", JSON.valueToTree(d));
  }

  @Override
  public void onScheduleSwitch(ScheduleSwitch s) {
    line("schedule-switch", JSON.valueToTree(s));
  }

  @Override
  public void onEnd(EpochMetrics last, Throwable error) {
    ObjectNode node = JSON.createObjectNode();
    node.put("status", error == null ? "completed" : "failed");
    if (error != null) {
      node.put("error", String.valueOf(error.getMessage()));
    }
    if (last != null) {
      node.set("lastEpoch", JSON.valueToTree(last));
    }
    writeAtomically(dir.resolve("result.json"), node);
    close();
  }

  private void line(String kind, ObjectNode node) {
    ObjectNode withKind = JSON.createObjectNode().put("kind", kind);
    withKind.setAll(node);
    try {
      out.write(JSON.writeValueAsString(withKind));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + dir.resolve("metrics.jsonl"), e);
    }
  }

  static void writeAtomically(Path target, Object value) {
    AtomicFiles.write(target, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, value));
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
