package dev.bigbatch.job;

import dev.bigbatch.autopilot.AutoBatchPlan;
import dev.bigbatch.autopilot.AutoBatchSettings;
import dev.bigbatch.data.Dataset;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.ImageExamples;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.lint.TrainStartLint;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.DataSpec;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.ModelSpec;
import dev.bigbatch.spec.Specs;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.CommBytesListener;
import dev.bigbatch.train.ConAdv;
import dev.bigbatch.train.ConsoleProgress;
import dev.bigbatch.train.DataSource;
import dev.bigbatch.train.EpochMetrics;
import dev.bigbatch.train.FixedBatchPlan;
import dev.bigbatch.train.Loss;
import dev.bigbatch.train.MetricsJsonl;
import dev.bigbatch.train.Objective;
import dev.bigbatch.train.Replicas;
import dev.bigbatch.train.RunLock;
import dev.bigbatch.train.StepPlan;
import dev.bigbatch.train.StepTrace;
import dev.bigbatch.train.TrainListener;
import dev.bigbatch.train.Trainer;
import dev.bigbatch.train.decentralized.RankCheckpoints;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One training job: a {@link JobSpec} plus, optionally, a program's own model and data, run in this process as one
 * replica of the job. {@code bigbatch train} is this class with the spec from its flags.
 *
 * <pre>{@code
 * JobSpec.Builder b = JobSpec.builder();   // the defaults of bigbatch train
 * b.batch.workers = 16;                     // k
 * b.lr.base = 0.1;                          // η0 at the base batch
 * JobResult r = Job.of(b.build())
 *     .model("tiny-cnn", in -> new TinyCnn(in.channels(), in.classes()))
 *     .data(train, test)
 *     .run();
 * }</pre>
 *
 * <p>Started by {@code bigbatch launch}, mpirun or srun (see {@link Cluster}), the same program is one rank of a
 * distributed job; started alone it simulates all k workers. Either way k workers of n equal one process of batch k·n.
 */
public final class Job {
  /**
   * How this process joins the job's others: from the environment, or a runner's own rendezvous (Spark). The sync
   * strategy of {@code sync} is then built on what it returns ({@link SyncStrategies}).
   */
  @FunctionalInterface
  public interface Join {
    Joined join(SyncSpec sync);

    /** A single process, or the rank a launcher's environment describes ({@link Cluster#join}). */
    static Join fromEnvironment() {
      return sync -> Cluster.join(System.getenv(), sync.commTimeoutSeconds());
    }
  }

  private JobSpec spec;
  private ModelFactory modelFactory; // null: the built-in architecture of the spec
  private DataSource.Splits images; // a program's in-memory images, read the built-in way (null: none)
  private Dataset trainExamples; // a program's own Dataset pair (its own augmentation and normalisation); null: none
  private Dataset testExamples;
  private final List<TrainListener> listeners = new ArrayList<>();
  private Path resume;
  private List<String> resumeAllowed = List.of(); // JSON paths of settings the resume may change
  private Join join = Join.fromEnvironment();
  private PrintStream console = System.out;
  private List<String> commandLine = List.of();
  private Loss loss; // null: the spec's built-in loss (Loss.of)

  private Job(JobSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public static Job of(JobSpec spec) {
    return new Job(spec);
  }

  /** Trains {@code factory}'s network instead of a built-in one; {@code name} is recorded as {@code user:name}. */
  public Job model(String name, ModelFactory factory) {
    this.modelFactory = Objects.requireNonNull(factory, "factory");
    return edit(b -> b.model.architecture = ModelSpec.USER_PREFIX + name);
  }

  /**
   * Trains on these examples instead of the spec's dataset (recorded as dataset {@code user}). Pixels are normalised
   * per channel by the training set's mean and std; set {@code data.augment} false in the spec unless random crops and
   * horizontal flips keep the labels of your task.
   */
  public Job data(ImageDataset train, ImageDataset test) {
    this.images = new DataSource.Splits(Objects.requireNonNull(train, "train"), Objects.requireNonNull(test, "test"));
    this.trainExamples = null;
    this.testExamples = null;
    return edit(b -> {
      b.data.dataset = DataSpec.Kind.USER;
      b.data.dir = null;
    });
  }

  /**
   * Trains on datasets that read their own examples (lazily if they like) and do their own augmentation and
   * normalisation: nothing is measured or applied on top ({@link Dataset} says what {@code read} must guarantee).
   * Recorded as dataset {@code user}; the spec's {@code data.augment} does not apply, its {@code data.trainLimit} does.
   */
  public Job data(Dataset train, Dataset test) {
    this.trainExamples = Objects.requireNonNull(train, "train");
    this.testExamples = Objects.requireNonNull(test, "test");
    this.images = null;
    return edit(b -> {
      b.data.dataset = DataSpec.Kind.USER;
      b.data.dir = null;
    });
  }

  private Job edit(Consumer<JobSpec.Builder> change) {
    JobSpec.Builder b = spec.toBuilder();
    change.accept(b);
    spec = b.build();
    return this;
  }

  /**
   * Trains with this loss instead of the spec's cross-entropy: {@code (logits, labels) -> } the <em>mean</em> loss over
   * the examples of that slice (see {@link Loss} for why a mean). Used with {@code --conadv} too, on clean and
   * adversarial examples. Not recorded in {@code config.json}: a program that sets it must set it again to rerun.
   */
  public Job loss(Loss userLoss) {
    this.loss = Objects.requireNonNull(userLoss, "loss");
    return this;
  }

  /** Also observes the run (on every rank). */
  public Job listener(TrainListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Continues from this checkpoint, letting the settings these flags set ({@code epochs} or {@code --epochs}) differ
   * from the run that wrote it, e.g. to train longer; rank 0 states each change and what it does to the learning rate.
   */
  public Job resumeFrom(Path checkpoint, List<String> allowFlags) {
    this.resumeAllowed = allowFlags.stream().map(f -> {
      try {
        String flag = f.trim();
        return Specs.pathOfFlag(flag.startsWith("-") ? flag : "--" + flag); // "epochs" or "--epochs"
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--resume-allow: " + e.getMessage());
      }
    }).toList();
    return resumeFrom(checkpoint);
  }

  /** Continues from this checkpoint (same settings, same worker count) instead of fresh parameters. */
  public Job resumeFrom(Path checkpoint) {
    this.resume = checkpoint;
    return this;
  }

  /** Joins the job's other processes this way instead of through the environment ({@link Join#fromEnvironment}). */
  public Job join(Join how) {
    this.join = Objects.requireNonNull(how, "join");
    return this;
  }

  /** Where rank 0 prints progress, lint notes and summaries (default System.out). */
  public Job console(PrintStream out) {
    this.console = Objects.requireNonNull(out, "console");
    return this;
  }

  /** The command line to record with a lockstep trace ({@code --trace-steps}). */
  public Job commandLine(List<String> args) {
    this.commandLine = List.copyOf(args);
    return this;
  }

  public JobSpec spec() {
    return spec;
  }

  /** The checkpoint this job continues from, or null. */
  public Path resumePath() {
    return resume;
  }

  /**
   * Trains to the end as this process's replica of the job.
   *
   * @throws IllegalArgumentException for settings that do not fit the data or the checkpoint, naming the flag or file
   */
  public JobResult run() {
    JobSpec s = spec;
    if (s.data().dataset() == DataSpec.Kind.USER && images == null && trainExamples == null) {
      throw new IllegalArgumentException("dataset 'user' is supplied by a program (Job.data), not read from --data");
    }
    if (s.model().user() && modelFactory == null) {
      throw new IllegalArgumentException("--model " + s.model().architecture() + " is supplied by a program (Job.model)");
    }
    if (s.extras().traced() && resume != null) {
      throw new IllegalArgumentException("--trace-steps cannot be combined with --resume: it records the fixed global "
          + "batch of a fresh run");
    }
    if (loss != null && s.extras().labelSmoothing() > 0) {
      throw new IllegalArgumentException("--label-smoothing " + s.extras().labelSmoothing() + " and a program's loss "
          + "(Job.loss) are both set; smooth the labels inside that loss, or drop one");
    }
    Loss objectiveLoss = loss != null ? loss : Loss.of(s.extras());
    boolean decentral = s.sync().decentralized();
    StepTrace trace = s.extras().traced() ? StepTrace.open(s.extras().traceDir(), s.extras().traceSteps(), commandLine)
        : null;
    Torch.threads(Cluster.intraOpThreads(s.threads(), System.getenv(), Runtime.getRuntime().availableProcessors()));
    Dataset train;
    Dataset test;
    if (trainExamples != null) {
      train = limit(trainExamples, s);
      test = testExamples;
    } else {
      DataSource.Splits splits = images != null ? DataSource.limit(images, s) : DataSource.load(s);
      ImageExamples.Pair pair = ImageExamples.of(splits.train(), splits.test(), s.data().augment(), s.seed());
      train = pair.train();
      test = pair.test();
    }
    var in = new Models.InputSpec(train.channels(), train.height(), train.width(),
        Math.max(train.numClasses(), test.numClasses()));
    Model model = Torch.seeded(s.seed(), () -> newModel(s, in));
    // Decentralized ranks each read their own file once joined (RankCheckpoints); synchronous runs read one file here.
    Checkpoints.State loaded = resume == null || decentral ? null : RankCheckpoints.loadSynchronous(resume);
    if (loaded != null && !s.batch().auto() && loaded.sections().has(AutoBatchPlan.POSITION)) {
      throw new IllegalArgumentException("--resume: the checkpoint was written by a --batch auto run; add --batch auto");
    }
    try (SyncStrategies.Strategy sync = SyncStrategies.create(s, join.join(s.sync()), model, console, resume != null);
        ConAdv conAdv = s.extras().conAdv()
            ? new ConAdv(s, train, model, Torch.seeded(s.seed(), () -> newModel(s, in)), objectiveLoss)
            : null) {
      Replicas replicas = sync.replicas();
      Optimizer opt = sync.optimizer();
      Checkpoints.State resumed = resume == null ? null : sync.resume().from(resume, loaded);
      StepPlan plan = s.batch().auto()
          ? new AutoBatchPlan(s, AutoBatchSettings.of(s.batch()), train.size(), replicas.size())
          : new FixedBatchPlan(s, train.size());
      Trainer trainer = new Trainer(s, plan, model, opt, train, test, replicas, List.of())
          .checkpoints(new Checkpoints.Policy(s.output().checkpointFile(), s.output().checkpointEvery(), true));
      if (resumed != null) {
        trainer.resumeFrom(resumed, resumeAllowed); // refuses a checkpoint of other settings before anything is written
        if (replicas.rank() == 0 && !trainer.resumeChanges().isEmpty()) {
          console.println(resumeStatement(trainer, resumed, plan));
        }
      }
      if (trace != null) {
        trainer.trace(trace).stopAfter(trace.steps());
      }
      trainer.objective(conAdv != null ? conAdv : Objective.of(objectiveLoss));
      // The run directory is claimed once every check has passed (the resume's included) and before anything is
      // written to it: a rejected run leaves an existing directory as it was, and a second run into the same --out is
      // refused in one line instead of interleaving its metrics with this one's.
      try (RunLock claimed = RunLock.claim(s.output().dir(), replicas.rank())) {
        List<TrainListener> all = new ArrayList<>();
        if (replicas.size() > 1) {
          all.add(new CommBytesListener(replicas::bytesSent, replicas.rank() == 0 ? s.output().dir() : null, console));
        }
        if (replicas.rank() == 0) {
          all.add(metrics(s.output().dir(), resumed).run(Version.current(), commandLine));
          all.add(new ConsoleProgress(console));
        } else if (s.output().rankMetrics()) {
          all.add(metrics(s.output().dir().resolve("rank" + replicas.rank()), resumed));
        }
        all.addAll(listeners);
        trainer.listeners(all);
        if (replicas.rank() == 0) {
          TrainStartLint.check(s, train.size(), resumed, console);
        }
        EpochMetrics last = trainer.run();
        replicas.summary().ifPresent(console::println);
        if (conAdv != null && replicas.rank() == 0) {
          console.println(conAdv.summary());
        }
        return new JobResult(s, last, replicas.rank(), replicas.size(), s.output().dir());
      }
    }
  }

  /** What an allowed change does: the settings, and the rate at the first resumed step under both jobs' recipes. */
  private static String resumeStatement(Trainer trainer, Checkpoints.State resumed, StepPlan plan) {
    String changes = trainer.resumeChanges().stream().map(d -> d.before() + " → " + d.after())
        .collect(java.util.stream.Collectors.joining(", "));
    long step = resumed.nextStep();
    StepPlan.Step now = plan.next(step);
    Optional<JobSpec> saved = resumed.savedJob();
    if (now == null || saved.isEmpty() || !(plan instanceof FixedBatchPlan)) {
      return "resume: " + changes + " (allowed by --resume-allow)";
    }
    FixedBatchPlan before = new FixedBatchPlan(saved.get(), plan.stepsPerEpoch() * saved.get().batch().global());
    StepPlan.Step was = before.next(step);
    return String.format(java.util.Locale.ROOT, "resume: %s (allowed by --resume-allow): at step %d the learning rate is "
        + "%.4g (the saved run's recipe: %s); the run now ends after %d steps (was %d)", changes, step, now.lr(),
        was == null ? "ended" : String.format(java.util.Locale.ROOT, "%.4g", was.lr()), plan.totalSteps(),
        before.totalSteps());
  }

  /** A program's dataset as {@code s} trains on it: the first --train-limit examples, at least one global batch. */
  private static Dataset limit(Dataset d, JobSpec s) {
    Dataset limited = s.data().trainLimit() > 0 ? d.head(s.data().trainLimit()) : d;
    if (limited.size() < s.batch().global()) {
      throw new IllegalArgumentException("global batch " + s.batch().global() + " (--workers × --batch-per-worker) "
          + "exceeds the " + limited.size() + " training examples of " + d.name());
    }
    return limited;
  }

  private Model newModel(JobSpec s, Models.InputSpec in) {
    return modelFactory != null ? modelFactory.create(in)
        : Models.create(s.model().architecture(), in, s.model().width(), s.model().zeroGamma());
  }

  /** A fresh metrics file, or for a resumed run the existing one without what was logged after the checkpoint. */
  private static MetricsJsonl metrics(Path dir, Checkpoints.State resumed) {
    return resumed == null ? new MetricsJsonl(dir, 1) : MetricsJsonl.resumedAt(dir, 1, resumed.nextStep());
  }
}
