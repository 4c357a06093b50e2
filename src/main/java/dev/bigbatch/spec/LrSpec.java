package dev.bigbatch.spec;

import dev.bigbatch.schedule.ScalingRule;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * The learning-rate recipe, in epochs (the trainer turns epochs into steps once it knows the steps per epoch).
 *
 * <p>Peak rate kη = rule(η0, kn, B0) ({@link #peak}; LEGW always scales by sqrt). The warmup runs
 * {@link #effectiveWarmupEpochs} from {@link #warmupStartLr()} (default the base rate η0, where Goyal et al. 2017 §2.2
 * start) up to the peak, which it reaches at its last iteration; it only ramps up. Then {@code decay}: cosine and poly
 * over the epochs after the warmup, step decay at absolute epochs. {@code schedule = AUTOWU} replaces the warmup by Kim et
 * al.'s adaptive one.
 *
 * @param base η0, the rate at the base batch
 * @param baseBatch B0
 * @param scaling how the peak grows with kn (ignored by LEGW, which scales by sqrt)
 * @param warmup the warmup's shape
 * @param warmupEpochs its length in epochs (LEGW: at the base batch; the effective length is m0·kn/B0)
 * @param warmupStart the rate at the warmup's first iteration (null: η0); also AutoWU's start
 * @param decay the schedule after the warmup
 * @param decayEpochs step decay's milestones in epochs from the start
 * @param decayFactor step decay's factor
 * @param decayPower polynomial decay's power
 * @param schedule {@code RECIPE} (a pure function of the step) or {@code AUTOWU}
 * @param autoWuMaxLr AutoWU: the rate its exponential search would reach at the cap (0: 10× the scaled peak)
 * @param autoWuMaxWarmup AutoWU: the warmup ends by this fraction of the steps at the latest
 * @param autoWuPatience AutoWU: consecutive positive minimum tests that end the warmup
 */
public record LrSpec(double base, int baseBatch, ScalingRule scaling, Warmup warmup, double warmupEpochs, Double warmupStart,
    Decay decay, double[] decayEpochs, double decayFactor, double decayPower, Schedule schedule, double autoWuMaxLr,
    double autoWuMaxWarmup, int autoWuPatience) {

  public enum Warmup { NONE, CONSTANT, GRADUAL, LEGW }

  public enum Decay { NONE, STEP, POLY, COSINE }

  /**
   * {@code RECIPE}: warmup + decay as configured (a pure function of the step). {@code AUTOWU}: Kim et al.'s adaptive
   * exponential warmup, then {@code decay} (cosine or poly) to zero; ignores warmup and warmupEpochs, starts at
   * {@link #warmupStartLr()}.
   */
  public enum Schedule { RECIPE, AUTOWU }

  public LrSpec {
    Check.positive(base, "--lr");
    Check.positive(baseBatch, "--base-batch");
    Check.notNull(scaling, "--lr-scaling");
    Check.notNull(warmup, "--warmup");
    Check.notNull(decay, "--decay");
    Check.notNull(schedule, "--schedule");
    Check.atLeastZero(warmupEpochs, "--warmup-epochs");
    Check.require(warmupStart == null || (warmupStart > 0 && Double.isFinite(warmupStart)),
        "--warmup-start-lr must be > 0, got " + warmupStart);
    Check.require(decayFactor > 0 && decayFactor <= 1, "--decay-factor must be in (0, 1], got " + decayFactor);
    Check.positive(decayPower, "--decay-power");
    decayEpochs = decayEpochs == null ? new double[0] : decayEpochs.clone();
    Check.require(autoWuMaxLr >= 0 && Double.isFinite(autoWuMaxLr), "--autowu-max-lr must be >= 0 (0 = auto), got "
        + autoWuMaxLr);
    Check.require(autoWuMaxLr == 0 || autoWuMaxLr > (warmupStart == null ? base : warmupStart), "--autowu-max-lr "
        + autoWuMaxLr + " must exceed the warmup start --warmup-start-lr " + (warmupStart == null ? base : warmupStart));
    Check.require(autoWuMaxWarmup > 0 && autoWuMaxWarmup <= 1, "--autowu-max-warmup must be in (0, 1], got "
        + autoWuMaxWarmup);
    Check.require(autoWuPatience >= 1, "--autowu-patience must be >= 1, got " + autoWuPatience);
    Check.require(schedule != Schedule.AUTOWU || decay == Decay.COSINE || decay == Decay.POLY,
        "--schedule autowu decays to zero after its warmup: use --decay cosine or --decay poly, not --decay "
            + Specs.flagValue(decay));
  }

  /** The warmup's first rate: {@code warmupStart}, else the base rate η0 (Goyal's η). */
  public double warmupStartLr() {
    return warmupStart == null ? base : warmupStart;
  }

  /** The scaling rule in force: sqrt under LEGW, else {@link #scaling}. */
  public ScalingRule rule() {
    return warmup == Warmup.LEGW ? ScalingRule.SQRT : scaling;
  }

  /** The peak rate at global batch kn: rule(η0, kn, B0). */
  public double peak(long globalBatch) {
    return rule().scale(base, globalBatch, baseBatch);
  }

  /** The warmup's length in epochs at global batch kn: none → 0, LEGW → m0·kn/B0, else m; AutoWU → 0. */
  public double effectiveWarmupEpochs(long globalBatch) {
    if (schedule == Schedule.AUTOWU) {
      return 0;
    }
    return switch (warmup) {
      case NONE -> 0;
      case CONSTANT, GRADUAL -> warmupEpochs;
      case LEGW -> warmupEpochs * globalBatch / baseBatch;
    };
  }

  /** True when the warmup changes the rate at kn: it starts below the peak. */
  public boolean warmupRamps(long globalBatch) {
    return schedule == Schedule.RECIPE && warmup != Warmup.NONE && warmupEpochs > 0 && warmupStartLr() < peak(globalBatch);
  }

  @Override
  public double[] decayEpochs() {
    return decayEpochs.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LrSpec l && Specs.JSON.valueToTree(this).equals(Specs.JSON.valueToTree(l));
  }

  @Override
  public int hashCode() {
    return Specs.JSON.valueToTree(this).hashCode();
  }

  @Override
  public String toString() {
    return Specs.json(this);
  }

  /** Defaults and CLI flags of {@link LrSpec}. */
  public static final class Builder {
    @Option(names = "--lr", description = "Base learning rate η0 at the base batch (default ${DEFAULT-VALUE}; Goyal's "
        + "ImageNet value is 0.1, Fashion-MNIST's ResNet-8 learns faster at 0.4, see docs/RESULTS.md).")
    public double base = 0.4;

    @Option(names = "--base-batch", description = "Base batch B0 of the scaling rule (default ${DEFAULT-VALUE}).")
    public int baseBatch = 256;

    @Option(names = "--lr-scaling", paramLabel = "RULE", description = "linear (default), sqrt, none")
    public ScalingRule scaling = ScalingRule.LINEAR;

    @Option(names = "--warmup", paramLabel = "KIND", description = "gradual (default: per iteration from "
        + "--warmup-start-lr up to the scaled peak, reached at the warmup's last iteration; Goyal et al. 2017), constant "
        + "(the start rate, then the peak), none, legw (gradual over --warmup-epochs·kn/B0 epochs, sqrt scaling). A warmup "
        + "only ramps up: at kn <= B0 it holds the peak.")
    public Warmup warmup = Warmup.GRADUAL;

    @Option(names = "--warmup-epochs", description = "Warmup length in epochs (LEGW: at the base batch) (default ${DEFAULT-VALUE}).")
    public double warmupEpochs = 0.5;

    @Option(names = "--warmup-start-lr", description = "Learning rate at warmup step 0 (default: --lr, the base rate η "
        + "at --base-batch, where Goyal's warmup starts); also AutoWU's start.")
    public Double warmupStart;

    @Option(names = "--decay", paramLabel = "KIND", description = "cosine (default), step, poly, none. Cosine and poly "
        + "run over the iterations after the warmup; step decay divides at --decay-epochs counted from the start (Goyal).")
    public Decay decay = Decay.COSINE;

    @Option(names = "--decay-epochs", split = ",", description = "Epochs at which step decay divides the LR (e.g. 30,60,80).")
    public double[] decayEpochs = {};

    @Option(names = "--decay-factor", description = "Step decay factor (default ${DEFAULT-VALUE}).")
    public double decayFactor = 0.1;

    @Option(names = "--decay-power", description = "Polynomial decay power (default ${DEFAULT-VALUE}).")
    public double decayPower = 2;

    @Option(names = "--schedule", paramLabel = "KIND", description = "recipe (default: --warmup then --decay, a "
        + "function of the step), autowu (Kim et al. 2021: exponential warmup from --warmup-start-lr while the "
        + "GP-smoothed training loss falls, then --decay cosine|poly to zero; ignores --warmup/--warmup-epochs)")
    public Schedule schedule = Schedule.RECIPE;

    @Option(names = "--autowu-max-lr", description = "AutoWU: rate its exponential warmup would reach at the cap "
        + "(default 0 = auto: 10x the scaling rule's peak).")
    public double autoWuMaxLr;

    @Option(names = "--autowu-max-warmup", description = "AutoWU: the warmup ends by this fraction of the steps at the "
        + "latest (default ${DEFAULT-VALUE}, the paper's).")
    public double autoWuMaxWarmup = 0.5;

    @Option(names = "--autowu-patience", description = "AutoWU: consecutive positive minimum tests that end the warmup "
        + "(default ${DEFAULT-VALUE}, the paper's; tests run 8 times per epoch).")
    public int autoWuPatience = 3;

    public LrSpec build() {
      return new LrSpec(base, baseBatch, scaling, warmup, warmupEpochs, warmupStart, decay, decayEpochs, decayFactor,
          decayPower, schedule, autoWuMaxLr, autoWuMaxWarmup, autoWuPatience);
    }
  }
}
