package dev.bigbatch.job;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.EpochMetrics;
import java.nio.file.Path;

/**
 * What a finished {@link Job} reports.
 *
 * @param spec the job as it ran (with {@code user:} model or data when the program supplied them)
 * @param last the last epoch's metrics (train loss and accuracy, test loss and accuracy, examples/s); null when the run
 *     stopped before its first epoch ended
 * @param rank this process's rank
 * @param processes the processes of the job
 * @param runDirectory the run directory (metrics.jsonl, config.json, the checkpoint)
 */
public record JobResult(JobSpec spec, EpochMetrics last, int rank, int processes, Path runDirectory) {
  /** The last epoch's test accuracy, or NaN without one. */
  public double testAccuracy() {
    return last == null ? Double.NaN : last.testAccuracy();
  }
}
