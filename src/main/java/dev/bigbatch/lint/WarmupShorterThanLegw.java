package dev.bigbatch.lint;

import dev.bigbatch.schedule.Legw;
import dev.bigbatch.train.TrainConfig;
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
    TrainConfig c = context.config();
    if (Warmups.adaptive(c) || c.warmup() != TrainConfig.WarmupKind.CONSTANT && c.warmup() != TrainConfig.WarmupKind.GRADUAL
        || c.globalBatch() <= c.baseBatch()) {
      return Optional.empty();
    }
    double suggested = suggestedEpochs(c.globalBatch());
    if (c.warmupEpochs() >= suggested * (1 - 1e-9)) {
      return Optional.empty();
    }
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "warmup of %.4g epochs at kn=%d is shorter than LEGW's %.4g epochs (warmup grows linearly with the batch: "
            + "%s epochs at kn=%d, Goyal et al.)", c.warmupEpochs(), c.globalBatch(), suggested,
        Warmups.num(referenceWarmupEpochs), referenceBatch),
        String.format(Locale.ROOT, "--warmup-epochs %.4g, or --warmup legw --warmup-epochs %.4g (LEGW also uses sqrt scaling)",
            suggested, suggestedEpochs(c.baseBatch())) + Warmups.mustFit(c, suggested)));
  }
}
