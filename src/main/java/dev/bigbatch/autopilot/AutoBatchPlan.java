package dev.bigbatch.autopilot;

import dev.bigbatch.data.EpochCursor;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.diag.NoiseScale;
import dev.bigbatch.diag.NoiseScaleProbe;
import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.BatchDecision;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.Recipe;
import dev.bigbatch.train.Replicas;
import dev.bigbatch.train.StepPlan;
import dev.bigbatch.train.TrainListener;
import dev.bigbatch.train.Trainer;
import java.util.Iterator;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The {@link StepPlan} of {@code --batch auto}: {@link Trainer}'s steps with a number of workers k that the
 * {@link BatchAutopilot} may change between steps; n (per-worker batch, hence BN statistics) never changes.
 *
 * <p>Per step: the step's start position p in the data ({@link EpochCursor}) and lr = schedule(p, k·n)
 * ({@link Recipe#overProgress}: warmup and decay on the epoch axis, scaling rule at the current k·n); the trainer's
 * forward/backward of the local k/P workers and gradient sum; inside a measurement window, the two squared
 * norms for the autopilot ({@link #beforeUpdate}); the optimizer step. Training ends when the next step would
 * start at progress ≥ {@code --epochs}; an epoch ends (evaluation, BN averaging, checkpoint) when the next
 * step no longer fits in it.
 *
 * <p><b>|G_small|² and |G_big|².</b> |G_big|² is the squared norm of the global-mean gradient after the
 * allreduce (identical on every process). |G_small|² is one worker's n-example gradient: in a real
 * one-worker-per-process job it is the local gradient before the allreduce, free; here each process
 * holds k/P virtual workers whose gradients are summed in place during backward (and the bucketed
 * allreduce overwrites them), so each process takes it with one extra n-example forward/backward on its
 * first worker's slice ({@link NoiseScaleProbe#squaredNorms}) — only inside windows — and the P values are
 * averaged over the replicas (P independent samples, same expectation). Every process therefore feeds
 * the same numbers to its autopilot and makes the same decision without further communication.
 *
 * <p><b>Changing k.</b> A decision after step s applies from step s + 1: the trainer restarts its reader
 * (which reads ahead at the old k) at the current data position with the new k. Checkpoints carry the
 * position (epoch, offset, step in epoch) and the autopilot's state, so a resumed run makes the same
 * decisions at the same steps as an uninterrupted one.
 */
public final class AutoBatchPlan implements StepPlan {
  private final JobSpec config;
  private final EpochCursor cursor;
  private final Recipe.OverProgress schedule;
  private final BatchAutopilot autopilot;
  private EpochCursor.Position pos = EpochCursor.Position.START; // where the next step starts (before start())
  private EpochCursor.Position at; // where the step next() last returned really starts
  private double progress; // its progress in epochs
  private BatchAutopilot.Outcome outcome; // the decision of that step's window, if it closed one

  /**
   * @param datasetSize N, the training examples
   * @param processes P; k stays a multiple of it
   */
  public AutoBatchPlan(JobSpec config, AutoBatchSettings settings, int datasetSize, int processes) {
    this.config = config;
    this.cursor = new EpochCursor(datasetSize, config.seed());
    this.schedule = Recipe.overProgress(config, datasetSize);
    this.autopilot = new BatchAutopilot(settings, config.batch().perWorker(), processes, datasetSize,
        config.batch().virtualWorkers());
  }

  public BatchAutopilot autopilot() {
    return autopilot;
  }

  public Recipe.OverProgress schedule() {
    return schedule;
  }

  private int globalBatch() {
    return autopilot.workers() * config.batch().perWorker();
  }

  @Override
  public int stepsPerEpoch() {
    return cursor.datasetSize() / globalBatch();
  }

  @Override
  public long totalSteps() {
    return Math.round(config.epochs() * stepsPerEpoch());
  }

  /** The peak at the (possibly resumed) starting k·n; each batch decision carries the rate after the change. */
  @Override
  public Rates rates() {
    return new Rates(schedule.peakLr(globalBatch()), Double.NaN);
  }

  @Override
  public boolean variableBatch() {
    return true;
  }

  /** Checkpoint section {@code position}: where the next step's data starts (epoch, offset in it, step in it). */
  public record SamplerPosition(long epoch, int offset, int stepInEpoch) {
    public SamplerPosition {
      if (epoch < 0 || offset < 0 || stepInEpoch < 0) {
        throw new IllegalArgumentException("epoch " + epoch + ", offset " + offset + ", stepInEpoch " + stepInEpoch
            + " must be >= 0");
      }
    }
  }

  /** Where an {@code --batch auto} run's data stands; only such runs write it. */
  public static final Checkpoints.Section<SamplerPosition> POSITION =
      new Checkpoints.Section<>("position", SamplerPosition.class);
  /** The autopilot's k, decisions and open window. */
  public static final Checkpoints.Section<BatchAutopilot.Snapshot> AUTOPILOT =
      new Checkpoints.Section<>("autopilot", BatchAutopilot.Snapshot.class);

  /** Continues from a checkpoint written by an {@code --batch auto} run with the same settings. */
  @Override
  public void restore(Checkpoints.State state) {
    SamplerPosition p = state.sections().require(POSITION, "checkpoint was not written by a --batch auto run (no data "
        + "position in it); resume it without --batch auto");
    pos = new EpochCursor.Position(p.epoch(), p.offset(), p.stepInEpoch());
    autopilot.restore(state.sections().require(AUTOPILOT, "it was written by a --batch auto run of another version; "
        + "start the run again"));
  }

  @Override
  public Step next(long step) {
    int kn = globalBatch();
    at = cursor.start(pos, kn);
    progress = cursor.progressEpochs(at);
    if (!(progress < config.epochs())) {
      return null;
    }
    autopilot.beforeStep(at);
    outcome = null;
    return new Step(step, autopilot.workers(), schedule.lrAt(progress, kn), at.epoch(), at.stepInEpoch(),
        cursor.datasetSize() / kn);
  }

  @Override
  public Iterator<IndexBatch> batches() {
    return cursor.plan(at, globalBatch(), config.epochs());
  }

  /** Inside a window: the two squared norms (see the class comment) into the autopilot, which may decide. */
  @Override
  public void beforeUpdate(Step s, Model model, Tensor images, Tensor labels, Replicas replicas) {
    if (autopilot.measuring()) {
      double[] norms = NoiseScaleProbe.squaredNorms(model, images, labels, config.batch().perWorker());
      double[] small = {norms[0]};
      replicas.sum(small);
      outcome = autopilot.afterStep(small[0] / replicas.size(), norms[1]);
    }
  }

  @Override
  public Boundary afterStep(Step s, double loss, List<TrainListener> listeners) {
    int kn = s.workers() * config.batch().perWorker();
    pos = cursor.after(pos, kn);
    if (outcome != null) {
      int newKn = outcome.newWorkers() * config.batch().perWorker();
      double nextProgress = cursor.progressEpochs(cursor.start(pos, newKn));
      NoiseScale.Estimate e = outcome.estimate();
      BatchDecision d = new BatchDecision(s.step(), at.epoch(), progress, (int) e.steps(), outcome.smallBatch(),
          outcome.bigBatch(), e.gradNormSq(), e.traceSigma(), e.bSimple(), outcome.oldWorkers() * config.batch().perWorker(),
          newKn, s.lr(), schedule.lrAt(nextProgress, newKn), outcome.reason());
      listeners.forEach(l -> l.onBatchDecision(d));
      outcome = null;
    }
    int nextKn = globalBatch();
    boolean lastStep = !(cursor.progressEpochs(cursor.start(pos, nextKn)) < config.epochs());
    return new Boundary(cursor.epochEndsBefore(pos, nextKn) || lastStep, lastStep);
  }

  @Override
  public Checkpoints.State checkpoint(Checkpoints.State state) {
    return state.with(POSITION, new SamplerPosition(pos.epoch(), pos.offset(), pos.stepInEpoch()))
        .with(AUTOPILOT, autopilot.state());
  }
}
