package dev.bigbatch.train;

import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.model.Model;
import java.util.Iterator;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@link Trainer}'s next step is: its number of workers k, its place in the data, its learning
 * rate, whether it ends an epoch or the run, and what of this goes into a checkpoint. The trainer's loop
 * is the same for every plan; a plan owns only these mappings.
 *
 * <ul>
 *   <li>{@link FixedBatchPlan}: k fixed; step s is batch s mod S of epoch ⌊s/S⌋ of the
 *       {@code DistributedSampler} (S = ⌊N/kn⌋ steps per epoch); lr = {@code Recipe}'s schedule of s (an
 *       {@code AdaptiveSchedule} such as AutoWU also observes each step's loss).
 *   <li>{@code autopilot.AutoBatchPlan} ({@code --batch auto}): k may change after any step; the data
 *       position is an {@code EpochCursor} position, the lr a function of (progress in epochs, k·n).
 * </ul>
 *
 * <p>Protocol, per run: {@link #restore} (resumes only), then for step = first, first + 1, …: {@link #next}
 * (null ends the run), the step's data from {@link #batches} (the trainer restarts its reader whenever a
 * step's k differs from the k it is reading at), forward/backward and gradient sum,
 * {@link #beforeUpdate}, the optimizer update, {@link #afterStep}, and, when the trainer saves one,
 * {@link #checkpoint}. Every replica holds its own plan and must make the same decisions from the same
 * (allreduced) inputs.
 */
public interface StepPlan {
  /**
   * One step as planned.
   *
   * @param workers k (global; each of the P processes runs k/P of them)
   * @param epoch the epoch the step's batch comes from
   * @param stepInEpoch its index within that epoch
   * @param stepsPerEpoch steps per epoch at this step's k (for progress display)
   */
  record Step(long step, int workers, double lr, long epoch, int stepInEpoch, int stepsPerEpoch) {}

  /**
   * The learning rate as known before the run, for listeners ({@code config.json}, the console): they ask the plan,
   * which knows the batch, rather than recompute it from the spec.
   *
   * @param peakLr the peak rate: fixed batch, the recipe's kη; {@code --batch auto}, the peak at the (possibly
   *     resumed) starting k·n — the autopilot's later batches scale it by the rule; NaN under
   *     {@code --schedule autowu}, which finds the peak while training (it is in the schedule-switch event)
   * @param autoWuMaxLr the highest rate AutoWU's search may reach; NaN for every other schedule
   */
  record Rates(double peakLr, double autoWuMaxLr) {}

  /** Where a finished step leaves the run. {@code lastStep} implies {@code epochEnd}. */
  record Boundary(boolean epochEnd, boolean lastStep) {}

  /** Steps per epoch at the (possibly resumed) starting k, as announced to listeners. */
  int stepsPerEpoch();

  /** Total steps of the run as announced to listeners (at the starting k when k may change). */
  long totalSteps();

  /** The learning rate as known before the run, at the (possibly resumed) starting k (see {@link Rates}). */
  Rates rates();

  /** True when k may change during the run. */
  boolean variableBatch();

  /** Continues from {@code state}, already applied to the model and optimizer; rejects a checkpoint of another plan. */
  void restore(Checkpoints.State state);

  /** Step {@code step} (asked for in order from the run's first step), or null when training has ended. */
  Step next(long step);

  /** The global batches (all k workers) from the step {@link #next} last returned on, at its k, to the end of training. */
  Iterator<IndexBatch> batches();

  /**
   * Called between the gradient sum (the parameters' grad holds the global mean) and the optimizer update of
   * {@code s}; {@code images}/{@code labels} are this process' k/P·n examples. May run extra passes that leave
   * the gradients and BN statistics as they were. Nothing by default.
   */
  default void beforeUpdate(Step s, Model model, Tensor images, Tensor labels, Replicas replicas) {}

  /** After step {@code s} with global-mean loss {@code loss}: advances the plan (events go to {@code listeners}). */
  Boundary afterStep(Step s, double loss, List<TrainListener> listeners);

  /** {@code state} (captured after the last finished step) with what this plan needs to resume exactly. */
  Checkpoints.State checkpoint(Checkpoints.State state);
}
