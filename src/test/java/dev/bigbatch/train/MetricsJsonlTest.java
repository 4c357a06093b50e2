package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import dev.bigbatch.spec.SyncSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.json describes the run: its summary values and the whole job spec, from which it can be rerun; a resumed
 * run's metrics.jsonl reads as the uninterrupted run's.
 */
class MetricsJsonlTest {
  @Test
  void configJsonHoldsTheRunAndItsExtraSettings(@TempDir Path dir) throws Exception {
    JobSpec.Builder b = TinyTrainer.config(dir);
    b.sync.compression = SyncSpec.Compression.FP16;
    JobSpec c = b.build();
    try (MetricsJsonl m = new MetricsJsonl(dir, 1)) {
      m.onStart(c, "tiny", 7, 21, new StepPlan.Rates(Recipe.knownPeakLr(c), Double.NaN));
    }
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals("fp16", cfg.path("gradCompression").asText(), cfg.toString());
    assertEquals(c.batch().global(), cfg.path("globalBatch").asInt());
    assertEquals(21, cfg.path("totalSteps").asLong());
    assertTrue(cfg.path("peakLr").asDouble() > 0, cfg.toString());
    assertEquals(c, Specs.builder(dir, cfg.get(Specs.JOB_KEY)).build(), "the job spec reads back as the run's");
  }

  /**
   * A run "killed" after step 6 whose last checkpoint is at step 4 (mid-epoch 0 of 6 steps): it logged steps 4..6,
   * the epoch-0 line and a torn half line past the checkpoint. Resumed, its metrics.jsonl must hold the same
   * lines, in the same order with the same losses and accuracies, as the run that never stopped.
   */
  @Test
  void resumedRunsMetricsEqualTheUninterruptedRuns(@TempDir Path dir) throws Exception {
    JobSpec.Builder b = TinyTrainer.config(dir);
    b.batch.perWorker = 4;
    b.lr.baseBatch = 16;
    b.epochs = 2; // 6 steps per epoch
    JobSpec c = b.build();
    Path straightDir = dir.resolve("straight");
    Path stoppedDir = dir.resolve("stopped");
    run(c, new MetricsJsonl(straightDir, 1), null, null, 0);

    Path ckpt = dir.resolve("ckpt.bin");
    run(c, new MetricsJsonl(stoppedDir, 1), new Checkpoints.Policy(ckpt, 4, false), null, 7);
    Checkpoints.State atFour = Checkpoints.load(ckpt);
    assertEquals(4, atFour.nextStep());
    assertEquals(7 + 1, lines(stoppedDir).size(), "steps 0..6 and epoch 0 before the resume");
    Files.writeString(stoppedDir.resolve("metrics.jsonl"), "{\"kind\":\"st", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    run(c, MetricsJsonl.resumedAt(stoppedDir, 1, atFour.nextStep()), null, atFour, 0);
    List<JsonNode> straight = lines(straightDir);
    List<JsonNode> resumed = lines(stoppedDir);
    assertEquals(12 + 2, straight.size());
    assertEquals(straight.size(), resumed.size(), resumed.toString());
    for (int i = 0; i < straight.size(); i++) {
      JsonNode s = straight.get(i);
      JsonNode r = resumed.get(i);
      for (String field : List.of("kind", "step", "epoch")) {
        assertEquals(s.path(field).asText(), r.path(field).asText(), "line " + i + " " + field);
      }
      for (String field : List.of("loss", "lr", "trainLoss", "testAccuracy")) {
        assertEquals(s.path(field).asDouble(), r.path(field).asDouble(), 1e-6, "line " + i + " " + field);
      }
    }
  }

  private static void run(JobSpec c, MetricsJsonl metrics, Checkpoints.Policy policy, Checkpoints.State from,
      long stopAfter) {
    Model m = DistributedEquivalenceTest.model(c.seed());
    Trainer t = TinyTrainer.trainer(c, m, DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST,
        List.of(metrics));
    if (policy != null) {
      t.checkpoints(policy);
    }
    if (from != null) {
      t.resumeFrom(from);
    }
    if (stopAfter > 0) {
      t.stopAfter(stopAfter);
    }
    t.run();
  }

  private static List<JsonNode> lines(Path dir) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
      out.add(new ObjectMapper().readTree(line));
    }
    return out;
  }
}
