package dev.bigbatch.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.spec.OptimizerSpec;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule: one config that triggers it (and only the intended message), one close to it that does not. */
class LintRulesTest {
  private static final int D = 60_000;

  /**
   * The train defaults: kn = 256 = B0, gradual warmup 0.5 epoch (117 steps), linear scaling; lint-clean but for
   * the warmup, which has nothing to ramp at k = 1.
   */
  private static JobSpec config(Consumer<JobSpec.Builder> edit) {
    JobSpec.Builder b = JobSpec.builder();
    // Pinned here (not the CLI defaults, which may change): Goyal's η0 = 0.1 at B0 = 256, 4 epochs.
    b.lr.base = 0.1;
    b.epochs = 4;
    edit.accept(b);
    return b.build();
  }

  private static LintContext ctx(Consumer<JobSpec.Builder> edit) {
    return LintContext.of(config(edit), D);
  }

  private static LintContext withResume(Consumer<JobSpec.Builder> edit, int k, int n) {
    return new LintContext(config(edit), OptionalInt.of(D), Optional.of(new RunIdentity(k, n, "ckpt")), Optional.empty());
  }

  private static LintContext withReference(Consumer<JobSpec.Builder> edit, int k, int n) {
    return new LintContext(config(edit), OptionalInt.of(D), Optional.empty(), Optional.of(new RunIdentity(k, n, "baseline")));
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // rule, triggering context, a near miss, text the warning must contain
        Arguments.of(new WeightDecayOn1dParams(),
            ctx(b -> b.optimizer.decayBiasAndNorm = true),
            ctx(b -> { b.optimizer.decayBiasAndNorm = true; b.optimizer.weightDecay = 0; }), "λ=0.0005"),
        Arguments.of(new AdaptationOn1dParams(),
            ctx(b -> { b.optimizer.decayBiasAndNorm = true; b.optimizer.kind = OptimizerSpec.Kind.LARS; }),
            ctx(b -> b.optimizer.kind = OptimizerSpec.Kind.LARS), "LARS trust ratios"),
        // kn = 16384: 3 steps/epoch; 0.2 epoch = 0.6 iteration, rounds to 1 step.
        Arguments.of(new WarmupUnderOneStep(),
            ctx(b -> { b.batch.workers = 512; b.lr.warmupEpochs = 0.2; }),
            ctx(b -> { b.batch.workers = 512; b.lr.warmupEpochs = 1.0 / 3; }), "0.600 iterations at 3 steps/epoch"),
        // kn = 8192: 7 steps/epoch; 0.5 epoch = 3.5 iterations, the trainer runs round(3.5) = 4.
        Arguments.of(new WarmupNotWholeSteps(),
            ctx(b -> { b.batch.workers = 256; b.lr.warmupEpochs = 0.5; }),
            ctx(b -> { b.batch.workers = 256; b.lr.warmupEpochs = 3.0 / 7; }), "the trainer runs 4"),
        // kn = 256 = B0: the peak 0.1 is the base rate the warmup starts from; kn = 512 ramps 0.1 → 0.2.
        Arguments.of(new WarmupWithoutRamp(),
            ctx(b -> {}),
            ctx(b -> b.batch.workers = 16), "kn=256 ≤ B0=256: the peak 0.1000 is not above the base rate η0=0.1"),
        Arguments.of(new ResumeWorkerCountChanged(),
            withResume(b -> b.batch.workers = 16, 8, 32),
            withResume(b -> b.batch.workers = 8, 8, 32), "k=8 (kn=256, peak LR 0.1000) but this run has k=16 (kn=512, peak LR 0.2000"),
        Arguments.of(new PerWorkerBatchChanged(),
            withReference(b -> { b.batch.workers = 4; b.batch.perWorker = 64; }, 8, 32),
            withReference(b -> { b.batch.workers = 16; b.batch.perWorker = 32; }, 8, 32), "n changes 32 → 64"),
        // kn = 4096: LEGW (5 epochs at 8k) suggests 2.5 epochs.
        Arguments.of(WarmupShorterThanLegw.GOYAL,
            ctx(b -> { b.batch.workers = 128; b.lr.warmupEpochs = 1; b.epochs = 10; }),
            ctx(b -> { b.batch.workers = 128; b.lr.warmupEpochs = 2.5; b.epochs = 10; }), "shorter than LEGW's 2.500 epochs"),
        Arguments.of(NoWarmupAtHighPeakLr.DEFAULT,
            ctx(b -> { b.batch.workers = 256; b.lr.warmup = LrSpec.Warmup.NONE; }),
            ctx(b -> { b.batch.workers = 256; b.lr.warmup = LrSpec.Warmup.NONE; b.lr.scaling = ScalingRule.SQRT; }),
            "peak LR 3.200"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void ruleFiresOnItsMistakeOnly(Rule rule, LintContext bad, LintContext ok, String expected) {
    Optional<Warning> w = rule.check(bad);
    assertTrue(w.isPresent(), rule.id() + " should fire on " + bad.config());
    assertEquals(rule.id(), w.get().ruleId());
    assertTrue(w.get().reason().contains(expected), w.get().reason());
    assertTrue(!w.get().fix().isBlank());
    assertEquals(Optional.empty(), rule.check(ok), rule.id() + " should not fire on " + ok.config());
  }

  @Test
  void trainDefaultsOnlySayTheirWarmupHasNothingToRamp() {
    assertEquals(List.of("warmup-without-ramp"), Linter.defaults().check(ctx(b -> {})).stream().map(Warning::ruleId).toList());
    assertEquals(List.of(), Linter.defaults().check(ctx(b -> { b.batch.workers = 16; b.lr.warmupEpochs = 1; })),
        "kn = 512, a ramp over 117 steps: clean");
  }

  @Test
  void warmupWithoutRampSaysWhyForEachCause() {
    WarmupWithoutRamp rule = new WarmupWithoutRamp();
    // Goyal Table 2a's unscaled row at kn = 8k: η = 0.1 is start and peak.
    String none = rule.check(ctx(b -> { b.batch.workers = 256; b.lr.scaling = ScalingRule.NONE; })).orElseThrow().reason();
    assertTrue(none.contains("--lr-scaling none keeps the peak at the base rate η0=0.1"), none);
    // Goyal Figure 1 at kn = 64: k = 1/4, the peak 0.025 is below η.
    String small = rule.check(ctx(b -> b.batch.workers = 2)).orElseThrow().reason();
    assertTrue(small.contains("kn=64 ≤ B0=256: the peak 0.02500") && small.contains("k = 0.25"), small);
    Warning high = rule.check(ctx(b -> { b.batch.workers = 16; b.lr.warmupStart = 0.5; })).orElseThrow();
    assertTrue(high.reason().contains("--warmup-start-lr 0.5 is not below the peak 0.2000"), high.reason());
    assertTrue(high.fix().contains("lower --warmup-start-lr below 0.2000"), high.fix());
    assertEquals(Optional.empty(), rule.check(ctx(b -> { b.batch.workers = 2; b.lr.warmup = LrSpec.Warmup.NONE; })));
  }

  @Test
  void legwWarmupIsNotFlaggedAsShort() {
    // --warmup legw --warmup-epochs 5/32 at kn=8k is exactly LEGW; the sqrt rule keeps η at 0.566.
    LintContext c = ctx(b -> { b.batch.workers = 256; b.lr.warmup = LrSpec.Warmup.LEGW; b.lr.warmupEpochs = 5.0 / 32; b.epochs = 10; });
    assertEquals(Optional.empty(), WarmupShorterThanLegw.GOYAL.check(c));
    assertEquals(Optional.empty(), NoWarmupAtHighPeakLr.DEFAULT.check(c));
  }

  @Test
  void aProposedWarmupLongerThanTheRunSaysSo() {
    // kn = 8k without warmup: LEGW's 5 epochs do not fit a 4-epoch run (JobSpec would reject them).
    String fix = NoWarmupAtHighPeakLr.DEFAULT.check(ctx(b -> { b.batch.workers = 256; b.lr.warmup = LrSpec.Warmup.NONE; }))
        .orElseThrow().fix();
    assertTrue(fix.contains("longer than --epochs 4: train longer too"), fix);
    String fits = NoWarmupAtHighPeakLr.DEFAULT.check(ctx(b -> {
      b.batch.workers = 256; b.lr.warmup = LrSpec.Warmup.NONE; b.epochs = 90; })).orElseThrow().fix();
    assertTrue(!fits.contains("longer than"), fits);
  }

  @Test
  void unknownDatasetSizeSilencesStepRules() {
    LintContext c = new LintContext(config(b -> { b.batch.workers = 512; b.lr.warmupEpochs = 0.2; }), OptionalInt.empty(),
        Optional.empty(), Optional.empty());
    assertEquals(Optional.empty(), new WarmupUnderOneStep().check(c));
    assertEquals(Optional.empty(), new WarmupNotWholeSteps().check(c));
  }

  @Test
  void perWorkerBatchRuleFallsBackToTheResumedCheckpoint() {
    LintContext c = withResume(b -> { b.batch.workers = 4; b.batch.perWorker = 64; }, 8, 32);
    assertTrue(new PerWorkerBatchChanged().check(c).isPresent());
  }

  /** No flag changes loss normalisation or shuffling, so these rules never fire (see their tests in train/data). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rulesWithoutAFlagNeverFire(Rule ignored, LintContext bad, LintContext ok, String unused) {
    for (LintContext c : List.of(bad, ok)) {
      assertEquals(Optional.empty(), new LossNormalisedPerWorker().check(c));
      assertEquals(Optional.empty(), new NoEpochReshuffle().check(c));
    }
  }
}
