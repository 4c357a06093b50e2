package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.train.Recipe;
import java.util.Locale;
import java.util.Optional;

/**
 * The scaled peak learning rate from step 0, without warmup. Goyal et al. Table 1: ResNet-50 at kn = 8k,
 * η = 0.1·32 = 3.2: no warmup 24.84 ± 0.37 % top-1 error vs 23.74 ± 0.09 % with gradual warmup (and
 * 23.60 % at kn = 256). Fires when there is no warmup ({@code --warmup none} or 0 epochs; never under
 * {@code --schedule autowu}, which finds its own warmup) and the peak
 * learning rate is more than {@code maxScale} times the base rate η0. The default 8 (kn = 2048 under the
 * linear rule) is a judgement call: Goyal shows the harm at 32×, and early training is most unstable where
 * the rate changes fastest, so we warn well before that.
 *
 * @param maxScale largest η/η0 accepted without warmup
 */
public record NoWarmupAtHighPeakLr(double maxScale) implements Rule {
  public static final NoWarmupAtHighPeakLr DEFAULT = new NoWarmupAtHighPeakLr(8);

  @Override
  public String id() {
    return "no-warmup-at-high-lr";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    JobSpec c = context.config();
    boolean noWarmup = c.lr().warmup() == LrSpec.Warmup.NONE || c.lr().warmupEpochs() == 0;
    double peak = Recipe.peakLr(c);
    if (!noWarmup || Warmups.adaptive(c) || peak <= maxScale * c.lr().base()) {
      return Optional.empty();
    }
    double legw = WarmupShorterThanLegw.GOYAL.suggestedEpochs(c.batch().global());
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "peak LR %.4g (%s scaling of η0=%s to kn=%d, %.3g× the base) is used from step 0 without warmup; "
            + "Goyal et al. at kn=8k: 24.84%% error without warmup vs 23.74%% with gradual warmup",
        peak, c.lr().scaling().name().toLowerCase(Locale.ROOT), Warmups.num(c.lr().base()), c.batch().global(),
        peak / c.lr().base()),
        String.format(Locale.ROOT, "--warmup gradual --warmup-epochs %.4g (LEGW length for kn=%d)", legw,
            c.batch().global())
            + Warmups.mustFit(c, legw)));
  }
}
