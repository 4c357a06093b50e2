package dev.bigbatch.job;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Loss;
import org.junit.jupiter.api.Test;

/** A program's loss replaces the built-in one; set together with --label-smoothing it is refused before any work. */
class JobLossTest {
  @Test
  void aProgramsLossAndLabelSmoothingTogetherAreRefused() {
    JobSpec.Builder b = JobSpec.builder();
    b.extras.labelSmoothing = 0.1;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Job.of(b.build()).loss(Loss.CROSS_ENTROPY).run());
    assertTrue(e.getMessage().contains("--label-smoothing 0.1 and a program's loss (Job.loss)"), e.getMessage());
  }
}
