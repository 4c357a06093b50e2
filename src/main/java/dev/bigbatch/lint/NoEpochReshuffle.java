package dev.bigbatch.lint;

import java.util.Optional;

/**
 * No global reshuffle per epoch (the sampler that forgets the epoch, pytorch#31771). This rule cannot fire
 * in bigbatch: there is no flag to turn shuffling off or fix the order.
 * {@link dev.bigbatch.data.DistributedSampler} shuffles the whole dataset every epoch with a generator
 * seeded from (seed, epoch) before sharding it over the k workers; {@code NoEpochReshuffleTest} checks that
 * consecutive epochs differ and each is a permutation. Kept so that a future flag gets a check here.
 */
public record NoEpochReshuffle() implements Rule {
  @Override
  public String id() {
    return "no-epoch-reshuffle";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    return Optional.empty();
  }
}
