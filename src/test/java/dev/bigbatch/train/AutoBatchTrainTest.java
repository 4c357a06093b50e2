package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.autopilot.AutoBatchSettings;
import dev.bigbatch.autopilot.AutoBatchPlan;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --batch auto end to end on tiny data: decisions logged, batches as decided, resume == uninterrupted, P = 2. */
class AutoBatchTrainTest {
  /** 384 examples: 48 steps per epoch at the first kn = 8, still 6 at the largest allowed kn = 64. */
  private static final ImageDataset TRAIN = TinyData.make(384, 1, 8, 4, 31);
  private static final AutoBatchSettings GROW = new AutoBatchSettings(0, 64, 6, 0.8, true); // windows fit an epoch

  private static JobSpec config(Path out) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "resnet8";
    b.model.width = 4;
    b.batch.perWorker = 4;
    b.batch.workers = 2; // the first window measures at kn = 8
    b.batch.workersPerChunk = 2;
    b.epochs = 2;
    b.data.augment = false;
    b.lr.warmupEpochs = 0.5;
    b.lr.baseBatch = 16;
    b.output.dir = out;
    return b.build();
  }

  /** Records steps and decisions. */
  static final class Recorder implements TrainListener {
    final List<StepMetrics> steps = new ArrayList<>();
    final List<BatchDecision> decisions = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      steps.add(m);
    }

    @Override
    public void onBatchDecision(BatchDecision d) {
      decisions.add(d);
    }
  }

  private static Trainer trainer(JobSpec c, Model m, Replicas replicas, List<TrainListener> listeners) {
    return new Trainer(c, new AutoBatchPlan(c, GROW, TRAIN.size(), replicas.size()), m,
        DistributedEquivalenceTest.sgd(m, c), TRAIN, DistributedEquivalenceTest.TEST, replicas, listeners);
  }

  @Test
  void runsEndToEndAndEveryStepUsesTheDecidedBatch(@TempDir Path dir) throws IOException {
    JobSpec c = config(dir);
    Recorder rec = new Recorder();
    Model m = DistributedEquivalenceTest.model(c.seed());
    EpochMetrics last = trainer(c, m, Replicas.single(), List.of(rec, new MetricsJsonl(dir, 1))).run();
    assertEquals(1, last.epoch(), "2 epochs");
    assertEquals(2, rec.decisions.size(), "one window at step 0 and one per later epoch (--auto-grow)");
    assertTrue(rec.decisions.get(0).newGlobalBatch() != 8, "this seed's first decision changes the batch");

    // Between decisions every step runs at the batch the last decision chose; the LR it logs is the next step's.
    int kn = 8;
    int d = 0;
    for (StepMetrics s : rec.steps) {
      assertEquals(kn, s.examples(), "step " + s.step());
      if (d < rec.decisions.size() && rec.decisions.get(d).step() == s.step()) {
        BatchDecision dec = rec.decisions.get(d++);
        assertEquals(kn, dec.oldGlobalBatch());
        assertEquals(kn, dec.bigBatch(), "measured at the batch it ran");
        assertEquals(4, dec.smallBatch());
        assertEquals(6, dec.windowSteps());
        assertEquals(0, dec.newGlobalBatch() % 4);
        assertTrue(dec.newGlobalBatch() >= 8 && dec.newGlobalBatch() <= 64, "within [2 workers, --max-batch]");
        if (d > 1) {
          assertTrue(dec.newGlobalBatch() >= dec.oldGlobalBatch(), "grow never shrinks");
        }
        if (dec.gradNormSq() > 0 && dec.traceSigma() > 0) {
          assertEquals(dec.traceSigma() / dec.gradNormSq(), dec.bSimple(), 1e-9 * dec.bSimple());
        } else {
          assertEquals(kn, dec.newGlobalBatch(), "an unusable estimate keeps the batch: " + dec);
          assertTrue(dec.reason().contains("not usable"), dec.reason());
        }
        kn = dec.newGlobalBatch();
      }
    }
    // Within each epoch, the examples trained on never exceed the dataset and leave less than one batch out.
    Map<Long, Integer> perEpoch = new HashMap<>();
    Map<Long, Integer> firstBatch = new HashMap<>();
    for (StepMetrics s : rec.steps) {
      perEpoch.merge(s.epoch(), (int) s.examples(), Integer::sum);
      firstBatch.putIfAbsent(s.epoch(), (int) s.examples());
    }
    for (long e = 0; e < 1; e++) {
      int left = 384 - perEpoch.get(e);
      assertTrue(left >= 0 && left < firstBatch.get(e + 1), "epoch " + e + " left " + left + " examples, and the next"
          + " epoch started with a batch of " + firstBatch.get(e + 1));
    }

    // metrics.jsonl carries each decision with the numbers behind it.
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> logged = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      JsonNode node = json.readTree(line);
      if (node.get("kind").asText().equals("decision")) {
        logged.add(node);
      }
    }
    assertEquals(2, logged.size());
    for (String field : new String[] {"step", "epoch", "bSimple", "gradNormSq", "traceSigma", "oldGlobalBatch",
        "newGlobalBatch", "oldLr", "newLr", "reason"}) {
      assertTrue(logged.get(0).has(field), field);
    }
    assertEquals(rec.decisions.get(0).bSimple(), logged.get(0).get("bSimple").asDouble(), 0);
  }

  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path dir) {
    JobSpec c = config(dir);
    Recorder straightRec = new Recorder();
    Model straight = DistributedEquivalenceTest.model(c.seed());
    trainer(c, straight, Replicas.single(), List.of(straightRec)).run();

    // Stop inside epoch 1's measurement window, after the first decision changed the batch: the checkpoint
    // must carry k, the data offset and the half-filled noise-scale EMA.
    long windowStart = straightRec.steps.stream().filter(s -> s.epoch() == 1).findFirst().orElseThrow().step();
    long checkpointAt = windowStart + 3; // half of the window's six steps done
    Path ckpt = dir.resolve("ckpt.bin");
    Model first = DistributedEquivalenceTest.model(c.seed());
    trainer(c, first, Replicas.single(), List.of()).checkpoints(new Checkpoints.Policy(ckpt, checkpointAt, false))
        .stopAfter(checkpointAt + 1).run();
    Checkpoints.State state = Checkpoints.load(ckpt);
    assertEquals(checkpointAt, state.nextStep());
    assertFalse(state.sections().require(AutoBatchPlan.AUTOPILOT, "").window().isEmpty(), "saved mid-window");

    Recorder resumedRec = new Recorder();
    Model resumed = DistributedEquivalenceTest.model(999);
    trainer(c, resumed, Replicas.single(), List.of(resumedRec)).resumeFrom(state).run();
    assertEquals(straightRec.decisions.subList(1, 2), resumedRec.decisions, "same decisions after resume");
    for (int i = 0; i < straight.params().size(); i++) {
      assertArrayEquals(Tensors.toFloats(straight.params().get(i).value()),
          Tensors.toFloats(resumed.params().get(i).value()), straight.params().get(i).name());
    }
    for (int i = 0; i < straight.buffers().size(); i++) {
      assertArrayEquals(Tensors.toFloats(straight.buffers().get(i).value()),
          Tensors.toFloats(resumed.buffers().get(i).value()), straight.buffers().get(i).name());
    }
  }

  /** Two processes: both make the same decisions (they feed the same averaged norms) and stay identical. */
  @Test
  void twoProcessesDecideAlike(@TempDir Path dir) throws Exception {
    JobSpec c = config(dir);
    int processes = 2;
    List<Recorder> recs = List.of(new Recorder(), new Recorder());
    List<Model> models = List.of(DistributedEquivalenceTest.model(c.seed()), DistributedEquivalenceTest.model(77));
    List<EpochMetrics> metrics = ThreadRanks.run(processes, "autopilot-test", true,
        (rank, replicas) -> trainer(c, models.get(rank), replicas, List.of(recs.get(rank))).run());
    assertEquals(2, recs.get(0).decisions.size());
    assertEquals(recs.get(0).decisions, recs.get(1).decisions);
    for (BatchDecision d : recs.get(0).decisions) {
      assertEquals(0, d.newGlobalBatch() / 4 % 2, "k stays a multiple of P = 2: " + d);
    }
    assertEquals(metrics.get(0).testAccuracy(), metrics.get(1).testAccuracy(), 0);
    assertEquals(metrics.get(0).trainLoss(), metrics.get(1).trainLoss(), 0);
    for (int i = 0; i < models.get(0).params().size(); i++) {
      assertArrayEquals(Tensors.toFloats(models.get(0).params().get(i).value()),
          Tensors.toFloats(models.get(1).params().get(i).value()), models.get(0).params().get(i).name());
    }
    assertFalse(recs.get(0).steps.isEmpty());
  }
}
