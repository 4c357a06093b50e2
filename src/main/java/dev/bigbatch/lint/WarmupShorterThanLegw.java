package dev.bigbatch.lint;

import dev.bigbatch.schedule.Legw;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.util.Locale;
import java.util.Optional;

/**
 * A constant or gradual warmup shorter than LEGW suggests for this batch. LEGW (You et al. 2019) grows the
 * warmup linearly with the batch: m = m_ref · kn / B_ref. The reference point is Goyal et al.'s ImageNet
 * recipe, m_ref = 5 epochs at B_ref = 8192, i.e. 5/32 epoch per 256 examples of global batch. Fires only
 * when kn &gt; B0 (no scaling, nothing to warm up for) and the warmup is not already {@code legw} (nor found by
 * {@code --schedule autowu}); a run
 * without warmup is {@link NoWarmupAtHighPeakLr}'s business.
 *
 * @param referenceWarmupEpochs m_ref
 * @param referenceBatch B_ref
 */
public record WarmupShorterThanLegw(double referenceWarmupEpochs, long referenceBatch) implements Rule {
  /** Goyal et al.: 5 epochs of gradual warmup at kn = 8k. */
  public static final WarmupShorterThanLegw GOYAL = new WarmupShorterThanLegw(5, 8192);

  @Override
  public String id() {
    return "warmup-shorter-than-legw";
  }

  /** m_ref · kn / B_ref epochs. */
  public double suggestedEpochs(long globalBatch) {
    return Legw.warmupEpochs(referenceWarmupEpochs, globalBatch, referenceBatch);
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    JobSpec c = context.config();
    if (Warmups.adaptive(c) || c.lr().warmup() != LrSpec.Warmup.CONSTANT && c.lr().warmup() != LrSpec.Warmup.GRADUAL
        || c.batch().global() <= c.lr().baseBatch()) {
      return Optional.empty();
    }
    double suggested = suggestedEpochs(c.batch().global());
    if (c.lr().warmupEpochs() >= suggested * (1 - 1e-9)) {
      return Optional.empty();
    }
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "warmup of %.4g epochs at kn=%d is shorter than LEGW's %.4g epochs (warmup grows linearly with the batch: "
            + "%s epochs at kn=%d, Goyal et al.)", c.lr().warmupEpochs(), c.batch().global(), suggested,
        Warmups.num(referenceWarmupEpochs), referenceBatch),
        String.format(Locale.ROOT, "--warmup-epochs %.4g, or --warmup legw --warmup-epochs %.4g (LEGW also uses sqrt scaling)",
            suggested, suggestedEpochs(c.lr().baseBatch())) + Warmups.mustFit(c, suggested)));
  }
}
