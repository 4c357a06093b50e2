package dev.bigbatch.lint;

import java.util.Optional;

/**
 * Loss normalised by n (or per micro-batch) instead of by kn (Goyal Remark 3; transformers PR #34191).
 * This rule cannot fire in bigbatch: there is no flag that changes the normalisation.
 * {@link dev.bigbatch.train.VirtualWorkers} weights every chunk's mean loss by chunk/(k·n) with k the
 * <em>total</em> worker count (with {@code --accumulate A}, k·A), and the replicas sum gradients, so the
 * update is always the mean over the global batch; {@code LossNormalisationTest} checks that directly.
 * The rule stays in the list so that a future flag (e.g. a per-micro-batch mean) gets a check here.
 */
public record LossNormalisedPerWorker() implements Rule {
  @Override
  public String id() {
    return "loss-normalised-per-worker";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    return Optional.empty();
  }
}
