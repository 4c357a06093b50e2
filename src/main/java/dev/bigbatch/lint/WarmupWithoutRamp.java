package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Recipe;
import java.util.Locale;
import java.util.Optional;

/**
 * A warmup with nothing to ramp: its start rate is not below the peak. Goyal et al. 2017 §2.2 warm up "from a
 * learning rate of η ... such that it reaches η̂ = kη", k = kn/B0; at kn ≤ B0 (k ≤ 1, the default start η0),
 * under {@code --lr-scaling none}, or with a {@code --warmup-start-lr} at or above the peak there is no ramp, and
 * the trainer does not run one downhill: the warmup's iterations hold the peak and the decay follows
 * ({@link dev.bigbatch.schedule.Warmup}). What is checked: a fixed warmup (constant, gradual or LEGW, more than 0
 * epochs; not {@code --schedule autowu}) whose start rate ≥ {@link Recipe#peakLr}.
 */
public record WarmupWithoutRamp() implements Rule {
  @Override
  public String id() {
    return "warmup-without-ramp";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    JobSpec c = context.config();
    if (Warmups.effectiveEpochs(c) == 0 || Recipe.warmupRamps(c)) {
      return Optional.empty();
    }
    double peak = Recipe.peakLr(c);
    String why;
    if (c.lr().warmupStartLr() != c.lr().base()) {
      why = String.format(Locale.ROOT, "--warmup-start-lr %s is not below the peak %.4g",
          Warmups.num(c.lr().warmupStartLr()), peak);
    } else if (c.batch().global() <= c.lr().baseBatch()) {
      why = String.format(Locale.ROOT, "kn=%d ≤ B0=%d: the peak %.4g is not above the base rate η0=%s the warmup starts "
          + "from (Goyal: from η to kη, here k = %.3g)", c.batch().global(), c.lr().baseBatch(), peak,
          Warmups.num(c.lr().base()),
          c.batch().global() / (double) c.lr().baseBatch());
    } else {
      why = String.format(Locale.ROOT, "--lr-scaling none keeps the peak at the base rate η0=%s the warmup starts from",
          Warmups.num(c.lr().base()));
    }
    return Optional.of(new Warning(id(), String.format(Locale.ROOT, "%s, so the %s warmup has nothing to ramp: its "
        + "%.4g epochs run at the peak, then the decay", why, c.lr().warmup().name().toLowerCase(Locale.ROOT),
        Warmups.effectiveEpochs(c)),
        c.lr().warmupStartLr() != c.lr().base() ? "lower --warmup-start-lr below " + String.format(Locale.ROOT, "%.4g", peak)
            + ", or --warmup none"
            : "--warmup none (a cosine/poly decay then spans the whole run), or keep it so that runs at other kn share "
                + "the decay window"));
  }
}
