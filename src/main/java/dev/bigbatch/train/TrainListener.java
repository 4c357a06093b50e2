package dev.bigbatch.train;

import dev.bigbatch.schedule.ScheduleSwitch;
import dev.bigbatch.spec.JobSpec;

/** Observes a run; metrics files, progress bars and checkpoints are listeners. */
public interface TrainListener {
  /**
   * Before the first step (also of a resumed run): the plan's steps per epoch and total steps at the starting k, and
   * the learning rate it knows before training ({@link StepPlan.Rates}).
   */
  default void onStart(JobSpec config, String modelDescription, int stepsPerEpoch, long totalSteps, StepPlan.Rates lr) {}

  default void onStep(StepMetrics m) {}

  default void onEpoch(EpochMetrics m) {}

  /** A batch-size decision of the noise-scale autopilot ({@code --batch auto}). */
  default void onBatchDecision(BatchDecision d) {}

  /** An adaptive schedule (AutoWU) changed phase after the step {@code s.step() - 1}. */
  default void onScheduleSwitch(ScheduleSwitch s) {}

  /** Called once with the run's final test accuracy, also after a failure (then {@code error} is set). */
  default void onEnd(EpochMetrics last, Throwable error) {}
}
