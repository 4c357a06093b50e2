package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.autopilot.AutoBatchPlan;
import dev.bigbatch.autopilot.AutoBatchSettings;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The two step plans, without training: which step runs where in the data, when epochs and the run end, and
 * that a plan restored from its checkpoint continues where the original would. N = 100 examples at k·n = 2·4 = 8
 * gives S = ⌊100/8⌋ = 12 steps per epoch (4 examples dropped per epoch).
 */
class StepPlanTest {
  private static final int N = 100;
  private static final AutoBatchSettings NO_GROW = new AutoBatchSettings(0, 64, 5, 0.9, false);

  private static JobSpec config(Path out, double epochs) {
    JobSpec.Builder b = TinyTrainer.config(out);
    b.model.architecture = "mlp";
    b.model.width = 1;
    b.batch.perWorker = 4;
    b.batch.workers = 2;
    b.lr.baseBatch = 8;
    b.epochs = epochs;
    return b.build();
  }

  /** One walk through a plan: the steps, their boundaries, and each step's first global batch. */
  private record Walk(List<StepPlan.Step> steps, List<StepPlan.Boundary> boundaries, List<int[]> batches) {}

  private static Walk walk(StepPlan plan, long from) {
    List<StepPlan.Step> steps = new ArrayList<>();
    List<StepPlan.Boundary> boundaries = new ArrayList<>();
    List<int[]> batches = new ArrayList<>();
    Iterator<IndexBatch> data = null;
    for (long s = from; ; s++) {
      StepPlan.Step step = plan.next(s);
      if (step == null) {
        return new Walk(steps, boundaries, batches);
      }
      if (data == null) {
        data = plan.batches();
      }
      IndexBatch b = data.next();
      assertEquals(step.epoch(), b.epoch(), "step " + s);
      assertEquals(step.stepInEpoch(), b.stepInEpoch(), "step " + s);
      steps.add(step);
      batches.add(b.indices());
      boundaries.add(plan.afterStep(step, 1.0, List.of()));
    }
  }

  private static Checkpoints.State emptyState(long nextStep) {
    return new Checkpoints.State(Map.of(), nextStep, new double[0], new LinkedHashMap<>(), Map.of());
  }

  @Test
  void fixedPlanStepsThroughWholeBatchesEpochByEpoch(@TempDir Path dir) {
    JobSpec c = config(dir, 1.5); // T = round(1.5 · 12) = 18 steps
    Walk w = walk(new FixedBatchPlan(c, N), 0);
    assertEquals(18, w.steps().size());
    for (int s = 0; s < 18; s++) {
      StepPlan.Step step = w.steps().get(s);
      assertEquals(s, step.step());
      assertEquals(2, step.workers());
      assertEquals(s / 12, step.epoch());
      assertEquals(s % 12, step.stepInEpoch());
      assertEquals(12, step.stepsPerEpoch());
      assertEquals(8, w.batches().get(s).length);
      assertEquals(s == 11 || s == 17, w.boundaries().get(s).epochEnd(), "step " + s);
      assertEquals(s == 17, w.boundaries().get(s).lastStep(), "step " + s);
    }
    // Epoch 0's 12 batches are 96 distinct examples of [0, N).
    Set<Integer> seen = new HashSet<>();
    for (int s = 0; s < 12; s++) {
      for (int i : w.batches().get(s)) {
        assertTrue(i >= 0 && i < N && seen.add(i), "example " + i + " at step " + s);
      }
    }
    LrSchedule recipe = Recipe.schedule(c, 12); // lr is the recipe's function of the step
    for (StepPlan.Step step : w.steps()) {
      assertEquals(recipe.lrAt(step.step()), step.lr(), 0, "step " + step.step());
    }
  }

  @Test
  void fixedPlanRestartedMidRunContinuesTheSameSteps(@TempDir Path dir) {
    JobSpec c = config(dir, 1.5);
    Walk straight = walk(new FixedBatchPlan(c, N), 0);
    FixedBatchPlan resumed = new FixedBatchPlan(c, N);
    resumed.restore(new FixedBatchPlan(c, N).checkpoint(emptyState(13)));
    Walk rest = walk(resumed, 13);
    assertEquals(straight.steps().subList(13, 18), rest.steps());
    assertEquals(straight.boundaries().subList(13, 18), rest.boundaries());
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(straight.batches().get(13 + i), rest.batches().get(i), "step " + (13 + i));
    }
  }

  /** Without a decision k stays put, and the autopilot's plan then visits exactly the fixed plan's batches. */
  @Test
  void autoPlanAtAConstantBatchMatchesTheFixedPlan(@TempDir Path dir) {
    JobSpec c = config(dir, 2);
    Walk fixed = walk(new FixedBatchPlan(c, N), 0);
    AutoBatchPlan autoPlan = new AutoBatchPlan(c, NO_GROW, N, 1);
    assertEquals(12, autoPlan.stepsPerEpoch());
    assertEquals(24, autoPlan.totalSteps());
    Walk auto = walk(autoPlan, 0);
    assertEquals(24, fixed.steps().size());
    assertEquals(fixed.boundaries(), auto.boundaries());
    for (int s = 0; s < 24; s++) {
      StepPlan.Step f = fixed.steps().get(s);
      StepPlan.Step a = auto.steps().get(s);
      assertEquals(List.of(f.step(), f.workers(), f.epoch(), f.stepInEpoch(), f.stepsPerEpoch()),
          List.of(a.step(), a.workers(), a.epoch(), a.stepInEpoch(), a.stepsPerEpoch()));
      assertArrayEquals(fixed.batches().get(s), auto.batches().get(s), "step " + s);
      // lr on the progress axis: epoch + 8·stepInEpoch / N
      double progress = f.epoch() + 8.0 * f.stepInEpoch() / N;
      assertEquals(autoPlan.schedule().lrAt(progress, 8), a.lr(), 0, "step " + s);
    }
  }

  /**
   * One recipe for both plans: at a batch the autopilot never changes, the fixed plan (whole steps, lengths rounded to
   * steps) and the auto plan (progress in epochs, the current kn) give every step the same learning rate. N = 96 =
   * S·kn (no example dropped, so an epoch is the same data on both axes) and every length is a whole number of steps
   * (warmup 0.5 epoch = 6 steps, milestones 0.75 and 1.5 epochs = steps 9 and 18, T = 24), with kn = 8 = 4·B0 so the
   * warmup ramps. Equal to float rounding (relative 1e-12), not bit for bit: the fixed axis evaluates the same
   * {@code Warmup}/decay objects at x = t with lengths in steps, the auto axis at p = t/S with lengths in epochs, so
   * e.g. the cosine's u is (t − M)/(T − M) on one and (p − m)/(E − m) on the other, rounded differently (step
   * decay, constant and no warmup are exact). Two implementations whose formulas disagree would fail it.
   */
  @ParameterizedTest
  @CsvSource({"GRADUAL, COSINE", "GRADUAL, POLY", "GRADUAL, STEP", "GRADUAL, NONE", "CONSTANT, COSINE",
      "CONSTANT, STEP", "NONE, POLY", "NONE, STEP"})
  void fixedAndAutoPlansGiveEveryStepTheSameLrAtAConstantBatch(String warmup, String decay, @TempDir Path dir) {
    JobSpec.Builder b = TinyTrainer.config(dir);
    b.model.architecture = "mlp";
    b.model.width = 1;
    b.batch.perWorker = 4;
    b.batch.workers = 2;
    b.lr.baseBatch = 2;
    b.lr.warmup = LrSpec.Warmup.valueOf(warmup);
    b.lr.warmupEpochs = 0.5;
    b.lr.decay = LrSpec.Decay.valueOf(decay);
    b.lr.decayEpochs = new double[] {0.75, 1.5};
    b.epochs = 2;
    JobSpec c = b.build();
    int examples = 96;
    FixedBatchPlan fixed = new FixedBatchPlan(c, examples);
    AutoBatchPlan auto = new AutoBatchPlan(c, NO_GROW, examples, 1);
    assertEquals(fixed.rates(), auto.rates(), "the peak known before the run");
    assertEquals(4 * c.lr().base(), fixed.rates().peakLr(), 0);
    Walk f = walk(fixed, 0);
    Walk a = walk(auto, 0);
    assertEquals(24, f.steps().size());
    assertEquals(24, a.steps().size());
    for (int s = 0; s < 24; s++) {
      double want = f.steps().get(s).lr();
      assertEquals(want, a.steps().get(s).lr(), 1e-12 * want, "step " + s);
    }
    // The comparison covers a warmup that changes the rate: it starts at η0, a quarter of the peak.
    assertEquals(warmup.equals("NONE") ? 4 * c.lr().base() : c.lr().base(), a.steps().get(0).lr(), 0);
  }

  @Test
  void autoPlanResumesFromItsCheckpointAndRefusesAFixedOne(@TempDir Path dir) {
    JobSpec c = config(dir, 2);
    Walk straight = walk(new AutoBatchPlan(c, NO_GROW, N, 1), 0);
    AutoBatchPlan partial = new AutoBatchPlan(c, NO_GROW, N, 1);
    for (long s = 0; s < 15; s++) {
      partial.afterStep(partial.next(s), 1.0, List.of());
    }
    Checkpoints.State state = partial.checkpoint(emptyState(15));
    assertEquals(1, state.sections().require(AutoBatchPlan.POSITION, "").epoch());
    assertEquals(24, state.sections().require(AutoBatchPlan.POSITION, "").offset()); // 3 steps of 8 into epoch 1
    AutoBatchPlan resumed = new AutoBatchPlan(c, NO_GROW, N, 1);
    resumed.restore(state);
    Walk rest = walk(resumed, 15);
    assertEquals(straight.steps().subList(15, 24), rest.steps());
    for (int i = 0; i < 9; i++) {
      assertArrayEquals(straight.batches().get(15 + i), rest.batches().get(i), "step " + (15 + i));
    }

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AutoBatchPlan(c, NO_GROW, N, 1).restore(emptyState(15)));
    assertTrue(e.getMessage().contains("not written by a --batch auto run"), e.getMessage());
  }

  @Test
  void planEndsTheRun(@TempDir Path dir) {
    JobSpec c = config(dir, 1);
    assertNull(new FixedBatchPlan(c, N).next(12));
    AutoBatchPlan auto = new AutoBatchPlan(c, NO_GROW, N, 1);
    assertEquals(12, walk(auto, 0).steps().size());
  }

  /** ConAdv takes the next batch one step early, at the old k: refused with a plan whose k may change. */
  @Test
  void trainerRefusesConAdvWithAVariableBatch(@TempDir Path dir) {
    JobSpec c = config(dir, 1);
    ImageDataset train = TinyData.make(N, 1, 8, 4, 5);
    ImageDataset test = TinyData.make(16, 1, 8, 4, 6);
    Models.InputSpec in = new Models.InputSpec(1, 8, 8, 4);
    Model main = Models.create("mlp", in, 1, false);
    Sgd sgd = new Sgd(main.params(), new Sgd.Options(c.optimizer().momentum(), c.optimizer().weightDecay(), c.optimizer().nesterov(), false, true));
    Trainer t = new Trainer(c, new AutoBatchPlan(c, NO_GROW, N, 1), main, sgd, train, test,
        Replicas.single(), List.of());
    try (ConAdv adv = new ConAdv(ConAdvTest.withConAdv(c, 0.1, 0.5, 1, false), train, main,
        Models.create("mlp", in, 1, false))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.objective(adv));
      assertTrue(e.getMessage().startsWith("--conadv cannot be combined"), e.getMessage());
    }
    assertThrows(IllegalStateException.class, t::schedule, "no step -> lr function under the autopilot");
  }
}
