package dev.bigbatch.train;

import dev.bigbatch.data.DistributedSampler;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.schedule.AdaptiveSchedule;
import dev.bigbatch.schedule.AutoWu;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.spec.JobSpec;
import java.util.Iterator;
import java.util.List;

/**
 * The plan of a fixed global batch k·n (Goyal et al. 2017): k = {@code --workers} throughout; with
 * S = ⌊N/kn⌋ steps per epoch (the last partial batch of each epoch dropped, {@link DistributedSampler}),
 * step s trains on batch s mod S of epoch ⌊s/S⌋ at lr = {@link Recipe#schedule}(s), for
 * T = {@link Recipe#totalSteps} steps. Everything is a function of s and the seed, so a checkpoint needs
 * only s, plus an {@link AdaptiveSchedule}'s state (AutoWU), which also observes every step's loss.
 */
public final class FixedBatchPlan implements StepPlan {
  private final JobSpec config;
  private final DistributedSampler sampler;
  private final LrSchedule schedule;
  private final long totalSteps;
  private long current = -1; // the step next() last returned

  public FixedBatchPlan(JobSpec config, int datasetSize) {
    this.config = config;
    this.sampler = new DistributedSampler(datasetSize, config.batch().virtualWorkers(), config.batch().perWorker(),
        config.seed());
    this.schedule = Recipe.schedule(config, sampler.stepsPerEpoch());
    this.totalSteps = Recipe.totalSteps(config, sampler.stepsPerEpoch());
  }

  /** The step → lr schedule (stateful when adaptive). */
  public LrSchedule schedule() {
    return schedule;
  }

  @Override
  public int stepsPerEpoch() {
    return sampler.stepsPerEpoch();
  }

  @Override
  public long totalSteps() {
    return totalSteps;
  }

  @Override
  public Rates rates() {
    return schedule instanceof AutoWu autoWu ? new Rates(Double.NaN, autoWu.options().maxLr())
        : new Rates(Recipe.knownPeakLr(config), Double.NaN);
  }

  @Override
  public boolean variableBatch() {
    return false;
  }

  @Override
  public void restore(Checkpoints.State state) {
    if (schedule instanceof AdaptiveSchedule adaptive) {
      if (state.scheduleState().length == 0) {
        throw new IllegalArgumentException("checkpoint has no adaptive schedule state: it was not written by a "
            + "--schedule autowu run; resume with the schedule it was written with");
      }
      adaptive.restore(state.scheduleState());
    } else if (state.scheduleState().length > 0) {
      throw new IllegalArgumentException("checkpoint was written by a --schedule autowu run; resume it with --schedule autowu");
    }
  }

  @Override
  public Step next(long step) {
    if (step >= totalSteps) {
      return null;
    }
    current = step;
    int spe = sampler.stepsPerEpoch();
    return new Step(step, sampler.workers(), schedule.lrAt(step), step / spe, (int) (step % spe), spe);
  }

  @Override
  public Iterator<IndexBatch> batches() {
    int spe = sampler.stepsPerEpoch();
    return sampler.globalBatches(current / spe, (int) (current % spe), (totalSteps + spe - 1) / spe);
  }

  @Override
  public Boundary afterStep(Step s, double loss, List<TrainListener> listeners) {
    if (schedule instanceof AdaptiveSchedule adaptive) { // the global-mean loss: same decision on every replica
      adaptive.observe(s.step(), loss).ifPresent(sw -> listeners.forEach(l -> l.onScheduleSwitch(sw)));
    }
    boolean last = s.step() == totalSteps - 1;
    return new Boundary(s.stepInEpoch() == s.stepsPerEpoch() - 1 || last, last);
  }

  @Override
  public Checkpoints.State checkpoint(Checkpoints.State state) {
    return schedule instanceof AdaptiveSchedule adaptive ? state.withScheduleState(adaptive.state()) : state;
  }
}
