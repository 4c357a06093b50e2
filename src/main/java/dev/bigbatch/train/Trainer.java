package dev.bigbatch.train;

import dev.bigbatch.data.Batch;
import dev.bigbatch.data.Dataset;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.ImageExamples;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.data.Prefetcher;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.schedule.LrSchedule;
import dev.bigbatch.spec.JobSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Synchronous data-parallel SGD over k workers of n examples each, spread over the processes of
 * {@link Replicas} (each holds k/P workers; one process holds all k as virtual workers). Per step:
 * the step from the {@link StepPlan} (k, data position, learning rate), its batch, and {@link TrainStep}:
 * forward/backward of the local workers through the {@link Objective} (loss normalised by k·n), gradient
 * sum over replicas, the plan's {@link StepPlan#beforeUpdate} hook, optimizer step. The objective is the
 * mean cross-entropy ({@code --label-smoothing}: smoothed) unless one is installed ({@link #objective}).
 * BN statistics are per n-slice; running statistics
 * are averaged over replicas before evaluation and checkpoints. The plan is a {@link FixedBatchPlan}
 * unless one is given ({@code autopilot.AutoBatchPlan} for {@code --batch auto}).
 */
public final class Trainer {
  /** How often (steps) replicas compare parameter checksums. */
  public static final int CHECK_EVERY_STEPS = 50;

  private final JobSpec config;
  private final StepPlan plan;
  private final Model model;
  private final Optimizer optimizer;
  private final Dataset train;
  private final Evaluator evaluator;
  private final Replicas replicas;
  private final List<TrainListener> listeners = new ArrayList<>();
  private Checkpoints.Policy checkpoints = Checkpoints.Policy.NONE;
  private long startStep;
  private long stopAfter = Long.MAX_VALUE;
  private GradientObserver gradientObserver;
  private Objective objective;
  private ConAdv conAdv; // the objective when it is ConAdv: its stale copy goes into checkpoints; else null
  private StepTrace trace; // null: no lockstep trace
  private Map<String, float[]> resumedStale = Map.of(); // ConAdv's stale copy from the resumed checkpoint
  private List<dev.bigbatch.spec.Specs.Difference> resumeChanges = List.of();
  private CheckpointSections resumedProgress = CheckpointSections.NONE; // its sections (fp16 scales, epoch sums)

  /** A fixed-batch run ({@link FixedBatchPlan}). */
  public Trainer(JobSpec config, Model model, Optimizer optimizer, ImageDataset train, ImageDataset test,
      Replicas replicas, List<TrainListener> listeners) {
    this(config, new FixedBatchPlan(config, train.size()), model, optimizer, train, test, replicas, listeners);
  }

  /**
   * A run whose steps {@code plan} lays out, on in-memory images read the built-in way ({@link ImageExamples#of}:
   * normalised by the training set's mean/std, cropped and flipped when the spec augments); the plan must be built for
   * {@code train} and {@code replicas}.
   */
  public Trainer(JobSpec config, StepPlan plan, Model model, Optimizer optimizer, ImageDataset train,
      ImageDataset test, Replicas replicas, List<TrainListener> listeners) {
    this(config, plan, model, optimizer, ImageExamples.of(train, test, config.data().augment(), config.seed()), replicas,
        listeners);
  }

  private Trainer(JobSpec config, StepPlan plan, Model model, Optimizer optimizer, ImageExamples.Pair data,
      Replicas replicas, List<TrainListener> listeners) {
    this(config, plan, model, optimizer, (Dataset) data.train(), data.test(), replicas, listeners);
  }

  /**
   * A run on datasets that read their own examples ({@link Dataset}: augmentation and normalisation are theirs); the
   * plan must be built for {@code train} and {@code replicas}.
   */
  public Trainer(JobSpec config, StepPlan plan, Model model, Optimizer optimizer, Dataset train, Dataset test,
      Replicas replicas, List<TrainListener> listeners) {
    if (config.batch().virtualWorkers() % replicas.size() != 0) {
      throw new IllegalArgumentException("--workers " + config.batch().virtualWorkers() + " is not a multiple of the "
          + replicas.size() + " processes");
    }
    this.config = config;
    this.plan = plan;
    this.model = model;
    this.optimizer = optimizer;
    this.train = train;
    this.evaluator = new Evaluator(test);
    this.replicas = replicas;
    this.listeners.addAll(listeners);
    this.objective = Objective.of(Loss.of(config.extras()));
  }

  public StepPlan plan() {
    return plan;
  }

  /** The step → lr schedule of a fixed-batch run. */
  public LrSchedule schedule() {
    if (!(plan instanceof FixedBatchPlan fixed)) {
      throw new IllegalStateException("the learning rate of a " + plan.getClass().getSimpleName()
          + " is not a function of the step alone");
    }
    return fixed.schedule();
  }

  public int stepsPerEpoch() {
    return plan.stepsPerEpoch();
  }

  public long totalSteps() {
    return plan.totalSteps();
  }

  /** Saves checkpoints as the policy says, through {@link Replicas#saveCheckpoint} (synchronous: rank 0 writes). */
  public Trainer checkpoints(Checkpoints.Policy policy) {
    this.checkpoints = policy;
    return this;
  }

  /** Stops (as if preempted) once {@code steps} steps are done; for tests and preemption drills. */
  public Trainer stopAfter(long steps) {
    this.stopAfter = steps;
    return this;
  }

  /** Shows every step's global-mean gradients to {@code observer} before the update (diagnostics). */
  public Trainer gradientObserver(GradientObserver observer) {
    this.gradientObserver = observer;
    return this;
  }

  /**
   * Minimises {@code objective} instead of the spec's built-in loss, e.g. {@link ConAdv} (clean plus adversarial
   * examples from one-step-stale parameters; the caller owns and closes it) or {@link Objective#of} a program's
   * {@link Loss}. Refused with a plan whose k may change when the objective reads batches ahead (ConAdv takes the
   * next step's batch one step early, at the old k).
   */
  public Trainer objective(Objective objective) {
    Objects.requireNonNull(objective, "objective");
    if (objective.readsAhead() && plan.variableBatch()) {
      throw new IllegalArgumentException("--conadv cannot be combined with a batch size that changes during the run"
          + " (--batch auto): ConAdv reads the next step's batch one step early");
    }
    this.objective = objective;
    this.conAdv = objective instanceof ConAdv adversarial ? adversarial : null;
    checkObjectiveFitsCheckpoint();
    return this;
  }

  /**
   * Also observes the run; call before {@link #run}. A runner validates everything first (construction, {@link
   * #objective}, {@link #resumeFrom}) and only then claims the run directory and adds the listeners that write to it, so
   * a rejected run changes nothing on disk.
   */
  public Trainer listeners(List<TrainListener> more) {
    listeners.addAll(more);
    return this;
  }

  /**
   * A ConAdv checkpoint resumes only as ConAdv, and a ConAdv run only from one: the first step could not match. Checked
   * by {@link #objective} (call it after {@link #resumeFrom} to fail before anything is written) and by {@link #run}.
   */
  private void checkObjectiveFitsCheckpoint() {
    if (startStep == 0) {
      return;
    }
    if (!resumedStale.isEmpty() && conAdv == null) {
      throw new IllegalArgumentException("checkpoint was written by a --conadv run; resume it with --conadv");
    }
    if (conAdv != null && resumedStale.isEmpty()) {
      throw new IllegalArgumentException("--conadv: the checkpoint holds no ConAdv stale parameters (written "
          + "without --conadv), so the first resumed step could not match the uninterrupted run");
    }
  }

  /**
   * Writes the first {@code trace.steps()} steps (initial state, each batch, each state after an update) for a
   * lockstep replay elsewhere ({@link StepTrace}); reading only, results are unchanged. One process only.
   */
  public Trainer trace(StepTrace stepTrace) {
    if (stepTrace != null && (replicas.size() != 1 || objective.readsAhead() || plan.variableBatch())) {
      throw new IllegalArgumentException("--trace-steps needs one process with a fixed batch and no --conadv "
          + "(it records the global batch each step trains on)");
    }
    this.trace = stepTrace;
    return this;
  }

  /** Continues from a checkpoint instead of rank 0's initial parameters. */
  public Trainer resumeFrom(Checkpoints.State state) {
    return resumeFrom(state, List.of());
  }

  /**
   * Continues from a checkpoint, letting the settings at {@code allowed} (JSON paths of the spec, e.g. {@code epochs})
   * differ from the job that wrote it; {@link #resumeChanges} then lists those that do.
   */
  public Trainer resumeFrom(Checkpoints.State state, List<String> allowed) {
    state.applyTo(config, model, optimizer);
    plan.restore(state);
    this.startStep = state.nextStep();
    this.resumedStale = state.tensorSection(ConAdv.SECTION);
    this.resumedProgress = state.sections();
    if (!resumedStale.isEmpty() && !config.extras().conAdv()) {
      throw new IllegalArgumentException("checkpoint was written by a --conadv run; resume it with --conadv");
    }
    // Everything else that would make the resumed run differ from the uninterrupted one, but what the caller allows.
    this.resumeChanges = state.checkSameJob(config, allowed);
    return this;
  }

  /** The settings that differ from the resumed checkpoint's job (only those the resume allowed). */
  public List<dev.bigbatch.spec.Specs.Difference> resumeChanges() {
    return resumeChanges;
  }

  /** Trains to the end and returns the last epoch's metrics. */
  public EpochMetrics run() {
    checkObjectiveFitsCheckpoint();
    if (conAdv != null && startStep != 0) {
      conAdv.restoreStale(resumedStale);
    }
    listeners.forEach(l -> l.onStart(config, model.describe(), plan.stepsPerEpoch(), plan.totalSteps(), plan.rates()));
    if (startStep == 0) {
      replicas.broadcastFromRankZero(model);
    }
    if (trace != null) {
      trace.start(config, plan, model, optimizer, startStep, train.channels(), train.height(), train.width());
    }
    GradientSync sync = replicas.gradientSync(model);
    sync.restore(resumedProgress);
    TrainStep trainStep = new TrainStep(model, optimizer, replicas, sync, objective, config.batch().perWorker(),
        config.batch().chunkWorkers(), train.channels(), train.height(), train.width())
        .beforeUpdate(plan::beforeUpdate).gradientObserver(gradientObserver);
    model.context().training(true);
    EpochMetrics last = null;
    try (Feed data = new Feed()) {
      EpochStats stats = EpochStats.restore(resumedProgress);
      for (long step = startStep; step < stopAfter; step++) {
        StepPlan.Step s = plan.next(step);
        if (s == null) {
          break;
        }
        Prefetcher reader = data.at(s);
        long t0 = System.nanoTime();
        // "Another step" ignores stopAfter: an objective reading ahead (ConAdv snapshots w_t for step t + 1) must
        // leave a checkpoint at a stopAfter stop what the uninterrupted run has. plan.totalSteps() is exact for a
        // fixed k, the only k such an objective runs with.
        Batch batch = objective.next(reader::next, step + 1 < plan.totalSteps());
        long dataNanos = System.nanoTime() - t0;
        stats.dataWaitNanos += dataNanos;
        TrainStep.Result r = trainStep.run(batch, s);
        double loss = r.loss();
        stats.addStep(r, (long) s.workers() * config.batch().perWorker());
        if (trace != null) {
          trace.record(s, batch, loss, config, model, optimizer);
        }
        reader.recycle(batch); // its floats were copied into a tensor; the buffer can take a later batch
        double seconds = (System.nanoTime() - t0) / 1e9;
        stats.add((long) batch.count() * replicas.size(), seconds);
        StepMetrics sm = new StepMetrics(step, s.epoch(), s.stepInEpoch(), s.stepsPerEpoch(), loss, s.lr(),
            (long) s.workers() * config.batch().perWorker(), seconds, dataNanos / 1e9, r.computeNanos() / 1e9,
            r.commNanos() / 1e9);
        listeners.forEach(l -> l.onStep(sm));
        StepPlan.Boundary b = plan.afterStep(s, loss, listeners);
        if ((step + 1) % CHECK_EVERY_STEPS == 0 || b.lastStep()) {
          replicas.checkIdentical(model, step);
        }
        if (b.epochEnd()) {
          last = endEpoch(s.epoch(), stats);
          stats = new EpochStats();
        }
        if (checkpoints.due(step + 1, b.epochEnd(), b.lastStep())) {
          long nextStep = step + 1;
          EpochStats sofar = stats;
          replicas.saveCheckpoint(checkpoints.path(), model, b.epochEnd(),
              () -> checkpointState(nextStep, sync, sofar));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for data", e);
    } catch (RuntimeException e) {
      EpochMetrics lastSeen = last;
      listeners.forEach(l -> l.onEnd(lastSeen, e));
      throw e;
    }
    EpochMetrics result = last;
    listeners.forEach(l -> l.onEnd(result, null));
    return result;
  }

  /**
   * Everything a resume at {@code nextStep} needs from this replica: the plan adds its position, the sync its fp16
   * scales, and the epoch's running sums, so that a run resumed mid-epoch reports the whole epoch's train loss.
   */
  private Checkpoints.State checkpointState(long nextStep, GradientSync sync, EpochStats epochSoFar) {
    Checkpoints.State state = plan.checkpoint(Checkpoints.State.capture(config, model, optimizer, nextStep));
    state = epochSoFar.saveTo(sync.checkpoint(state));
    return conAdv == null ? state : state.withTensorSection(ConAdv.SECTION, conAdv.staleState());
  }

  /**
   * The background reader of this replica's batches at the current k; restarted at the current position when a
   * step's k differs from the one it reads at (it reads ahead).
   */
  private final class Feed implements AutoCloseable {
    private Prefetcher reader;
    private int workers;

    Prefetcher at(StepPlan.Step s) {
      if (reader == null || s.workers() != workers) {
        close();
        reader = new Prefetcher(train, 4, localPart(plan.batches(), s.workers()));
        workers = s.workers();
      }
      return reader;
    }

    @Override
    public void close() {
      if (reader != null) {
        reader.close();
        reader = null;
      }
    }
  }

  /** Restricts global batches of k workers to this replica's k/P: a contiguous slice of each. */
  private Iterator<IndexBatch> localPart(Iterator<IndexBatch> global, int workers) {
    int slice = workers / replicas.size() * config.batch().perWorker();
    int from = replicas.rank() * slice;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return global.hasNext();
      }

      @Override
      public IndexBatch next() {
        IndexBatch b = global.next();
        return new IndexBatch(b.epoch(), b.stepInEpoch(), Arrays.copyOfRange(b.indices(), from, from + slice));
      }
    };
  }

  private EpochMetrics endEpoch(long epoch, EpochStats s) {
    replicas.averageBuffers(model);
    double[] sums = replicas.atConsensus(model, epoch, () -> evaluator.partialSums(model, replicas.rank(), replicas.size()));
    replicas.sum(sums);
    EpochMetrics m = new EpochMetrics(epoch, s.lossSum / s.examples, (double) s.correct / s.examples,
        sums[0] / sums[2], sums[1] / sums[2], s.examples / s.seconds, s.dataWaitNanos / 1e9, s.seconds);
    listeners.forEach(l -> l.onEpoch(m));
    return m;
  }

  /** The running sums of the epoch in progress; saved in mid-epoch checkpoints as {@link EpochProgress}. */
  private static final class EpochStats {
    long examples;
    long correct;
    double lossSum;
    double seconds;
    long dataWaitNanos;

    /** A step's global correct count and loss sum ({@code globalBatch} = k·n examples). */
    void addStep(TrainStep.Result r, long globalBatch) {
      correct += r.correct();
      lossSum += r.loss() * globalBatch;
    }

    void add(long count, double stepSeconds) {
      examples += count;
      seconds += stepSeconds;
    }

    /** {@code state} with this epoch's sums, when taken mid-epoch (absent at an epoch end, where they are zero). */
    Checkpoints.State saveTo(Checkpoints.State state) {
      return examples > 0
          ? state.with(EpochProgress.SECTION, new EpochProgress(examples, correct, lossSum, seconds, dataWaitNanos))
          : state;
    }

    static EpochStats restore(CheckpointSections sections) {
      EpochStats s = new EpochStats();
      sections.get(EpochProgress.SECTION).ifPresent(p -> {
        s.examples = p.examples();
        s.correct = p.correct();
        s.lossSum = p.lossSum();
        s.seconds = p.seconds();
        s.dataWaitNanos = p.dataWaitNanos();
      });
      return s;
    }
  }

  /**
   * Checkpoint section {@code epoch}: the sums of the epoch a mid-epoch checkpoint interrupts, so that a resumed run
   * reports the whole epoch's train loss and accuracy. Doubles go through JSON exactly (shortest repr round-trips).
   */
  record EpochProgress(long examples, long correct, double lossSum, double seconds, long dataWaitNanos) {
    static final Checkpoints.Section<EpochProgress> SECTION = new Checkpoints.Section<>("epoch", EpochProgress.class);

    EpochProgress {
      if (examples <= 0 || correct < 0 || correct > examples || seconds < 0 || dataWaitNanos < 0) {
        throw new IllegalArgumentException("examples " + examples + ", correct " + correct + ", seconds " + seconds
            + ", dataWaitNanos " + dataWaitNanos + " are not the sums of a started epoch");
      }
    }
  }
}
