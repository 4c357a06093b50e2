package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the rules look at.
 *
 * @param config the run to check
 * @param trainExamples training set size D after {@code --train-limit}; empty when unknown (image folders
 *     linted without {@code --train-examples}); rules that count steps then stay silent
 * @param resumed the checkpoint this run resumes, if any
 * @param reference an earlier run to compare with (e.g. the baseline whose result should be reproduced)
 */
public record LintContext(JobSpec config, OptionalInt trainExamples, Optional<RunIdentity> resumed,
    Optional<RunIdentity> reference) {
  public LintContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(trainExamples, "trainExamples");
    Objects.requireNonNull(resumed, "resumed");
    Objects.requireNonNull(reference, "reference");
  }

  /** A context with only a config and a dataset size. */
  public static LintContext of(JobSpec config, int trainExamples) {
    return new LintContext(config, OptionalInt.of(trainExamples), Optional.empty(), Optional.empty());
  }

  /** Training set sizes of the built-in datasets (empty for image folders and a program's own dataset). */
  public static OptionalInt nominalTrainExamples(JobSpec c) {
    OptionalInt full = switch (c.data().dataset()) {
      case FASHION_MNIST, MNIST -> OptionalInt.of(60_000);
      case CIFAR10 -> OptionalInt.of(50_000);
      case IMAGE_FOLDER, USER -> OptionalInt.empty();
    };
    int limit = c.data().trainLimit();
    if (limit > 0) {
      return OptionalInt.of(full.isPresent() ? Math.min(full.getAsInt(), limit) : limit);
    }
    return full;
  }

  /** floor(D / kn), as the sampler computes it (last partial batch dropped); empty when D is unknown. */
  public OptionalInt stepsPerEpoch() {
    if (trainExamples.isEmpty()) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(Math.max(1, trainExamples.getAsInt() / config.batch().global()));
  }
}
