package dev.bigbatch.schedule;

import java.util.Optional;

/**
 * A schedule that also watches the training loss: {@link #lrAt(long)} of the next step may depend on the
 * losses observed so far (AutoWU). The trainer calls {@link #observe} once per step, in step order, with
 * that step's global-mean training loss, before it asks for the next step's rate.
 *
 * <p>History-consistent: once step t's loss is observed, {@code lrAt(s)} for every s &le; t + 1 never changes
 * again, so a log of (step, lr) can always be re-derived from the schedule afterwards.
 *
 * <p>Distributed runs: the loss passed in is the allreduced global mean, bit-identical on every replica (the
 * trainer already relies on allreduce giving every rank the same bits, see {@code Replicas.checkIdentical}),
 * and the decision is deterministic float64 arithmetic, so every replica switches at the same step with the
 * same rate without any extra communication.
 */
public interface AdaptiveSchedule extends LrSchedule {
  /**
   * Records step {@code step}'s training loss (finite). Returns a switch when this observation ended a phase
   * (the switch's step is the first step that uses the new phase's rate).
   */
  Optional<ScheduleSwitch> observe(long step, double loss);

  /** Everything {@link #restore} needs to continue exactly (saved in checkpoints). */
  double[] state();

  /** Continues from a {@link #state()} of a schedule built with the same settings. */
  void restore(double[] state);
}
