package dev.bigbatch.spark;

import java.io.Serializable;

/**
 * What one rank reports back to the driver when its barrier task finishes.
 *
 * @param rank the rank (= the barrier task's partition)
 * @param stageAttempt Spark's attempt number of the barrier stage that finished (0 = no retry)
 * @param startStep the global step this attempt started from (0, or the checkpoint's step on a resume)
 * @param stepsDone global steps completed when the attempt ended (the run's total)
 * @param testAccuracy test accuracy after the last epoch, NaN if no epoch ended in this attempt
 */
public record RankReport(int rank, int stageAttempt, long startStep, long stepsDone, double testAccuracy)
    implements Serializable {}
