package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * ConAdv: the perturbation uses the previous step's parameters (checked against a float64 FGSM written out
 * by hand), α = 0 reduces to the clean-only step bit for bit, concurrent and inline give the same run, and
 * the mixed gradient is (1 − α)·clean + α·adversarial over the global batch.
 */
class ConAdvTest {
  static final ImageDataset TRAIN = TinyData.make(128, 1, 8, 4, 31);
  static final ImageDataset TEST = TinyData.make(32, 1, 8, 4, 32);
  static final Models.InputSpec IN = new Models.InputSpec(1, 8, 8, 4);

  static JobSpec config(String model, Path out) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = model;
    b.model.width = model.equals("mlp") ? 1 : 2;
    b.batch.perWorker = 8;
    b.batch.workers = 4;
    b.batch.workersPerChunk = 2; // two chunks per step: the chunked paths are exercised
    b.epochs = 2; // 4 steps per epoch
    b.lr.warmup = LrSpec.Warmup.NONE;
    b.lr.decay = LrSpec.Decay.NONE;
    b.lr.base = 0.5;
    b.lr.baseBatch = 32;
    b.data.augment = false;
    b.output.dir = out;
    return b.build();
  }

  static Model model(JobSpec c, long seed) {
    Torch.seed(seed);
    return Models.create(c.model().architecture(), IN, c.model().width(), c.model().zeroGamma());
  }

  static Trainer trainer(JobSpec c, Model m, List<TrainListener> listeners) {
    Sgd sgd = new Sgd(m.params(), new Sgd.Options(c.optimizer().momentum(), c.optimizer().weightDecay(), c.optimizer().nesterov(), false, true));
    return new Trainer(c, m, sgd, TRAIN, TEST, Replicas.single(), listeners);
  }

  /**
   * {@code c} with ConAdv at ε = {@code eps}, α = {@code mix}, K = {@code steps}, concurrent or inline (as
   * {@code --conadv --conadv-eps --conadv-mix --conadv-steps [--conadv-inline]}).
   */
  static JobSpec withConAdv(JobSpec c, double eps, double mix, int steps, boolean concurrent) {
    JobSpec.Builder b = c.toBuilder();
    b.extras.conAdv = true;
    b.extras.conAdvEps = eps;
    b.extras.conAdvMix = mix;
    b.extras.conAdvSteps = steps;
    b.extras.conAdvInline = !concurrent;
    return b.build();
  }

  /** Runs {@code c}: with ConAdv under {@code --conadv}, else the plain trainer, no ConAdv object at all. */
  static Model train(JobSpec c) {
    Model m = model(c, c.seed());
    if (!c.extras().conAdv()) {
      trainer(c, m, List.of()).run();
      return m;
    }
    try (ConAdv adv = new ConAdv(c, TRAIN, m, model(c, 777))) {
      trainer(c, m, List.of()).objective(adv).run();
    }
    return m;
  }

  private static Map<String, float[]> weights(Model m) {
    Map<String, float[]> w = new HashMap<>();
    for (ModelParameter p : m.params()) {
      w.put(p.name(), Tensors.toFloats(p.value()));
    }
    return w;
  }

  private record Seen(float[] clean, long[] labels, float[] adversarial) {}

  @Test
  void perturbationEqualsAnIndependentFgsmWithThePreviousStepsParameters(@TempDir Path dir) {
    JobSpec c = config("mlp", dir);
    double eps = 0.25;
    Model m = model(c, c.seed());
    List<Map<String, float[]>> w = new ArrayList<>(); // w.get(t) = w_t, the parameters step t trains with
    w.add(weights(m));
    List<Seen> seen = new ArrayList<>();
    TrainListener recorder = new TrainListener() {
      @Override
      public void onStep(StepMetrics s) {
        w.add(weights(m)); // after step t's update: w_{t+1}
      }
    };
    try (ConAdv adv = new ConAdv(withConAdv(c, eps, 0.5, 1, true), TRAIN, m, model(c, 777))) {
      adv.observer((x, y, xa) -> {
        long[] labels = new long[(int) y.numel()];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = y.get(i).item_long();
        }
        seen.add(new Seen(Tensors.toFloats(x), labels, Tensors.toFloats(xa)));
      });
      trainer(c, m, List.of(recorder)).objective(adv).run();
    }
    assertEquals(8, seen.size());
    int staleDiffersFromCurrent = 0;
    for (int t = 0; t < seen.size(); t++) {
      Seen s = seen.get(t);
      Map<String, float[]> stale = w.get(Math.max(t - 1, 0)); // step 0 has no w_{-1}: it uses w_0
      double[] g = MlpOracle.inputGradient(stale, s.clean(), s.labels(), 64);
      double[] gNow = MlpOracle.inputGradient(w.get(t), s.clean(), s.labels(), 64);
      int decided = 0;
      for (int e = 0; e < s.labels().length; e++) {
        double scale = 0;
        for (int i = 0; i < 64; i++) {
          scale = Math.max(scale, Math.abs(g[e * 64 + i]));
        }
        for (int i = e * 64; i < (e + 1) * 64; i++) {
          double delta = s.adversarial()[i] - s.clean()[i];
          if (Math.abs(g[i]) > 1e-4 * scale) { // away from a sign tie: float32 and float64 agree on the sign
            assertEquals(eps * Math.signum(g[i]), delta, 1e-6, "step " + t + " element " + i);
            decided++;
            if (Math.abs(gNow[i]) > 1e-4 * scale && Math.signum(gNow[i]) != Math.signum(g[i])) {
              staleDiffersFromCurrent++;
            }
          } else {
            assertTrue(Math.abs(delta) <= eps + 1e-6, "step " + t + " element " + i);
          }
        }
      }
      assertTrue(decided > 0.95 * s.clean().length, "step " + t + ": only " + decided + " signs decided");
    }
    // Steps t >= 1 matched FGSM at w_{t−1}; FGSM at w_t would have moved these elements the other way.
    assertTrue(staleDiffersFromCurrent > 0, "stale and current parameters should give different perturbations");
  }

  @Test
  void withZeroAdversarialWeightTheRunIsBitIdenticalToThePlainTrainer(@TempDir Path dir) {
    JobSpec c = config("resnet8", dir); // BN: running statistics must ignore the adversarial forward
    Model plain = train(c);
    Model zero = train(withConAdv(c, 0.3, 0.0, 1, true));
    assertBitIdentical(plain, zero);
  }

  @Test
  void concurrentAndInlineGiveTheSameRunAndConAdvChangesIt(@TempDir Path dir) {
    JobSpec c = config("resnet8", dir);
    Model concurrent = train(withConAdv(c, 0.3, 0.5, 2, true));
    Model inline = train(withConAdv(c, 0.3, 0.5, 2, false));
    assertBitIdentical(concurrent, inline);
    Model plain = train(c);
    boolean differs = false;
    for (int i = 0; i < plain.params().size(); i++) {
      differs |= !java.util.Arrays.equals(Tensors.toFloats(plain.params().get(i).value()),
          Tensors.toFloats(concurrent.params().get(i).value()));
    }
    assertTrue(differs, "ConAdv with α = 0.5 must change the run");
  }

  @Test
  void mixedGradientIsTheWeightedMeanOverTheGlobalBatchAndRunningStatisticsSeeOnlyCleanData(@TempDir Path dir) {
    JobSpec c = config("resnet8", dir);
    Model m = model(c, 5);
    double alpha = 0.3;
    int k = 4;
    int total = 8; // this process holds 4 of 8 workers: losses are normalised by 8·n
    int n = c.batch().perWorker();
    Random r = new Random(3);
    Tensor x = randomImages(r, k * n);
    Tensor xa = randomImages(r, k * n);
    long[] y = new long[k * n];
    for (int i = 0; i < y.length; i++) {
      y[i] = r.nextInt(4);
    }
    Tensor labels = Tensors.fromLongs(y);
    List<float[]> startBuffers = buffers(m);
    List<float[]> clean = gradients(m, () -> VirtualWorkers.forwardBackward(m, x, labels, n, k, 2, total, GradientSync.NONE));
    double cleanLoss = lastLoss;
    List<float[]> cleanBuffers = buffers(m);
    restore(m, startBuffers);
    List<float[]> adversarial = gradients(m, () -> VirtualWorkers.forwardBackward(m, xa, labels, n, k, 2, total,
        GradientSync.NONE));
    double adversarialLoss = lastLoss;
    restore(m, startBuffers);
    try (ConAdv adv = new ConAdv(withConAdv(c, 0.1, alpha, 1, false), TRAIN, m, model(c, 6))) {
      List<float[]> mixed = gradients(m, () -> adv.forwardBackward(x, xa, labels, k, total, GradientSync.NONE));
      assertEquals((1 - alpha) * cleanLoss + alpha * adversarialLoss, lastLoss, 1e-6);
      for (int p = 0; p < mixed.size(); p++) {
        float[] expected = new float[mixed.get(p).length];
        for (int j = 0; j < expected.length; j++) {
          expected[j] = (float) ((1 - alpha) * clean.get(p)[j] + alpha * adversarial.get(p)[j]);
        }
        DistributedEquivalenceTest.assertClose(expected, mixed.get(p), m.params().get(p).name());
      }
    }
    List<float[]> after = buffers(m);
    for (int b = 0; b < after.size(); b++) {
      assertArrayEquals(cleanBuffers.get(b), after.get(b), m.buffers().get(b).name());
    }
  }

  @Test
  void settingsRejectBadValues(@TempDir Path dir) {
    JobSpec c = config("mlp", dir);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withConAdv(c, 0, 0.5, 1, true))
        .getMessage().startsWith("--conadv-eps must be a positive number"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withConAdv(c, Double.NaN, 0.5, 1, true))
        .getMessage().startsWith("--conadv-eps"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withConAdv(c, 0.1, 1.5, 1, true))
        .getMessage().startsWith("--conadv-mix must be in [0, 1]"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> withConAdv(c, 0.1, 0.5, 0, true))
        .getMessage().startsWith("--conadv-steps must be >= 1"));
  }

  /**
   * Stopped after step 3 and resumed from the checkpoint at step 2 (mid-epoch), the run ends bit-identical to
   * the uninterrupted one: the checkpoint carries the stale copy w_1 that x̂_2 is made from. Without it (the
   * stale copy rebuilt from w_2) the runs differ; a plain checkpoint is refused under --conadv, and a ConAdv
   * checkpoint without --conadv.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"mlp", "resnet8"})
  void resumedRunEqualsUninterruptedRun(String model, @TempDir Path dir) {
    JobSpec c = config(model, dir);
    JobSpec adversarial = withConAdv(c, 0.2, 0.5, 1, true);
    Model straight = train(adversarial);

    Checkpoints.State atTwo = stoppedRun(adversarial, dir.resolve("c.bin"), 2, 3);
    assertEquals(2, atTwo.nextStep());
    assertFalse(atTwo.tensorSection(ConAdv.SECTION).isEmpty(), "the stale copy is in the checkpoint");
    assertBitIdentical(straight, resumedRun(adversarial, atTwo));

    // Control: the same resume with the stale copy dropped from the checkpoint is refused, and a ConAdv
    // checkpoint resumed without --conadv too.
    Checkpoints.State plain = new Checkpoints.State(atTwo.identity(), 2, atTwo.optimizerScalars(), atTwo.tensors(),
        atTwo.shapes()); // without the stale copy's tensor section
    Model m = model(c, 1);
    try (ConAdv adv = new ConAdv(adversarial, TRAIN, m, model(c, 2))) {
      // Refused as soon as the trainer knows both (before a runner claims the run directory), and again by run().
      Trainer t = trainer(adversarial, m, List.of()).resumeFrom(plain);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.objective(adv));
      assertTrue(e.getMessage().contains("holds no ConAdv stale parameters"), e.getMessage());
    }
    Model n = model(c, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> trainer(c, n, List.of()).resumeFrom(atTwo).run());
    assertTrue(e.getMessage().contains("resume it with --conadv"), e.getMessage());
  }

  /** A run stopped right at its checkpoint (a preemption drill) resumes exactly too: the stale copy it saved is w_t. */
  @Test
  void runStoppedAtItsCheckpointResumesExactly(@TempDir Path dir) {
    JobSpec c = withConAdv(config("mlp", dir), 0.2, 0.5, 1, false);
    Model straight = train(c);
    Checkpoints.State atThree = stoppedRun(c, dir.resolve("stop.bin"), 3, 3);
    assertEquals(3, atThree.nextStep());
    assertBitIdentical(straight, resumedRun(c, atThree));
  }

  /** A ConAdv run checkpointing every {@code every} steps, stopped (as if preempted) after {@code stopAfter}. */
  private static Checkpoints.State stoppedRun(JobSpec c, Path ckpt, long every, long stopAfter) {
    Model first = model(c, c.seed());
    try (ConAdv adv = new ConAdv(c, TRAIN, first, model(c, 777))) {
      trainer(c, first, List.of()).checkpoints(new Checkpoints.Policy(ckpt, every, false)).stopAfter(stopAfter)
          .objective(adv).run();
    }
    return Checkpoints.load(ckpt);
  }

  /** The model after resuming {@code state} to the end; every parameter and the stale copy come from the state. */
  private static Model resumedRun(JobSpec c, Checkpoints.State state) {
    Model resumed = model(c, 999);
    try (ConAdv adv = new ConAdv(c, TRAIN, resumed, model(c, 555))) {
      trainer(c, resumed, List.of()).resumeFrom(state).objective(adv).run();
    }
    return resumed;
  }

  private static void assertBitIdentical(Model a, Model b) {
    for (int i = 0; i < a.params().size(); i++) {
      assertArrayEquals(Tensors.toFloats(a.params().get(i).value()), Tensors.toFloats(b.params().get(i).value()),
          a.params().get(i).name());
    }
    for (int i = 0; i < a.buffers().size(); i++) {
      assertArrayEquals(Tensors.toFloats(a.buffers().get(i).value()), Tensors.toFloats(b.buffers().get(i).value()),
          a.buffers().get(i).name());
    }
  }

  private static double lastLoss;

  private static List<float[]> gradients(Model m, java.util.function.Supplier<VirtualWorkers.Result> step) {
    Optimizer.zeroGrad(m.params());
    lastLoss = step.get().loss();
    List<float[]> g = new ArrayList<>();
    for (ModelParameter p : m.params()) {
      g.add(Tensors.toFloats(p.value().grad()));
    }
    return g;
  }

  private static List<float[]> buffers(Model m) {
    List<float[]> out = new ArrayList<>();
    m.buffers().forEach(b -> out.add(Tensors.toFloats(b.value())));
    return out;
  }

  private static void restore(Model m, List<float[]> values) {
    try (NoGradGuard g = new NoGradGuard()) {
      for (int i = 0; i < values.size(); i++) {
        Tensor t = m.buffers().get(i).value();
        t.copy_(Tensors.fromFloats(values.get(i), Tensors.shape(t)));
      }
    }
  }

  private static Tensor randomImages(Random r, int count) {
    float[] v = new float[count * 64];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Tensors.fromFloats(v, count, 1, 8, 8);
  }
}
