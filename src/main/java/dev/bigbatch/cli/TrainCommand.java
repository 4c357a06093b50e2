package dev.bigbatch.cli;

import dev.bigbatch.autopilot.AutoBatchSettings;
import dev.bigbatch.autopilot.AutoBatchPlan;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.optim.Optimizers;
import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.train.GradientBuckets;
import dev.bigbatch.train.ConsoleProgress;
import dev.bigbatch.train.Accumulation;
import dev.bigbatch.train.DataSource;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.CommBytesListener;
import dev.bigbatch.train.ConAdv;
import dev.bigbatch.train.decentralized.Decentralized;
import dev.bigbatch.train.decentralized.DecentralizedSgd;
import dev.bigbatch.train.decentralized.RankCheckpoints;
import dev.bigbatch.train.decentralized.Topology;
import dev.bigbatch.train.Replicas;
import dev.bigbatch.train.DistributedReplicas;
import dev.bigbatch.train.GradientCompression;
import dev.bigbatch.train.TrainListener;
import dev.bigbatch.train.MetricsJsonl;
import dev.bigbatch.train.RunLock;
import dev.bigbatch.train.TrainConfig;
import dev.bigbatch.train.FixedBatchPlan;
import dev.bigbatch.train.StepPlan;
import dev.bigbatch.train.StepTrace;
import dev.bigbatch.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bigbatch train}: one process simulating k workers (virtual workers, per-worker BN). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train with the large-minibatch recipe (k virtual workers of n examples, per-worker BN).")
public final class TrainCommand implements Callable<Integer> {
  private final TrainConfig.Builder b = TrainConfig.builder();

  @Option(names = "--dataset", description = "fashion-mnist (default), mnist, cifar10, image-folder")
  void dataset(String v) {
    b.data = Enums.parse(TrainConfig.DataKind.class, v, "--dataset");
  }

  @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory (default /usr/share/datasets/fashion-mnist).")
  void data(Path v) {
    b.dataDir = v;
  }

  @Option(names = "--model", description = "resnet8 (default), resnet20, resnet56 (any 6n+2), mlp, resnet50, lstm (over image rows)")
  void model(String v) {
    b.model = v;
  }

  @Option(names = "--width", description = "ResNet base width / MLP width unit / LSTM hidden size ÷ 8 (default ${DEFAULT-VALUE})", defaultValue = "16")
  void width(int v) {
    b.width = v;
  }

  @Option(names = "--no-zero-gamma", description = "Initialise the last BN γ of each residual block to 1 instead of 0.")
  void noZeroGamma(boolean v) {
    b.zeroGamma = !v;
  }

  @Option(names = {"-n", "--batch-per-worker"}, description = "Per-worker batch n (default ${DEFAULT-VALUE}).", defaultValue = "32")
  void n(int v) {
    b.perWorkerBatch = v;
  }

  @Option(names = {"-k", "--workers"}, description = "Workers k; global batch is k·n (default ${DEFAULT-VALUE}).", defaultValue = "8")
  void k(int v) {
    b.workers = v;
  }

  @Option(names = "--workers-per-chunk", description = "Virtual workers per forward/backward chunk (memory vs speed; default ${DEFAULT-VALUE}).", defaultValue = "8")
  void chunk(int v) {
    b.workersPerChunk = v;
  }

  @Option(names = "--accumulate", paramLabel = "A", description = "Micro-batches of n per worker and step: global batch k·A·n, "
      + "loss normalised over all of it, BN per n-slice; memory of one micro-batch (default ${DEFAULT-VALUE}).", defaultValue = "1")
  int accumulate = 1;

  @Mixin
  AutoBatchOptions autoBatch = new AutoBatchOptions();

  @Option(names = "--lr", description = "Base learning rate η0 at the base batch (default ${DEFAULT-VALUE}; Goyal's "
      + "ImageNet value is 0.1, Fashion-MNIST's ResNet-8 learns faster at 0.4, see docs/RESULTS.md).", defaultValue = "0.4")
  void lr(double v) {
    b.baseLr = v;
  }

  @Option(names = "--base-batch", description = "Base batch B0 of the scaling rule (default ${DEFAULT-VALUE}).", defaultValue = "256")
  void baseBatch(int v) {
    b.baseBatch = v;
  }

  @Option(names = "--lr-scaling", description = "linear (default), sqrt, none")
  void scaling(String v) {
    b.lrScaling = Enums.parse(ScalingRule.class, v, "--lr-scaling");
  }

  @Option(names = "--warmup", description = "gradual (default: per iteration from --warmup-start-lr up to the scaled "
      + "peak, reached at the warmup's last iteration; Goyal et al. 2017), constant (the start rate, then the peak), none, "
      + "legw (gradual over --warmup-epochs·kn/B0 epochs, sqrt scaling). A warmup only ramps up: at kn <= B0 it holds "
      + "the peak.")
  void warmup(String v) {
    b.warmup = Enums.parse(TrainConfig.WarmupKind.class, v, "--warmup");
  }

  @Option(names = "--warmup-epochs", description = "Warmup length in epochs (LEGW: at the base batch) (default ${DEFAULT-VALUE}).", defaultValue = "0.5")
  void warmupEpochs(double v) {
    b.warmupEpochs = v;
  }

  @Option(names = "--warmup-start-lr", description = "Learning rate at warmup step 0 (default: --lr, the base rate η "
      + "at --base-batch, where Goyal's warmup starts); also AutoWU's start.")
  void warmupStart(double v) {
    b.warmupStartLr = v;
  }

  @Option(names = "--schedule", description = "recipe (default: --warmup then --decay, a function of the step), "
      + "autowu (Kim et al. 2021: exponential warmup from --warmup-start-lr while the GP-smoothed training loss falls, "
      + "then --decay cosine|poly to zero; ignores --warmup/--warmup-epochs)")
  void schedule(String v) {
    b.schedule = Enums.parse(TrainConfig.ScheduleKind.class, v, "--schedule");
  }

  @Option(names = "--autowu-max-lr", description = "AutoWU: rate its exponential warmup would reach at the cap "
      + "(default 0 = auto: 10x the scaling rule's peak).", defaultValue = "0")
  void autoWuMaxLr(double v) {
    b.autoWuMaxLr = v;
  }

  @Option(names = "--autowu-max-warmup", description = "AutoWU: the warmup ends by this fraction of the steps at the "
      + "latest (default ${DEFAULT-VALUE}, the paper's).", defaultValue = "0.5")
  void autoWuMaxWarmup(double v) {
    b.autoWuMaxWarmup = v;
  }

  @Option(names = "--autowu-patience", description = "AutoWU: consecutive positive minimum tests that end the warmup "
      + "(default ${DEFAULT-VALUE}, the paper's; tests run 8 times per epoch).", defaultValue = "3")
  void autoWuPatience(int v) {
    b.autoWuPatience = v;
  }

  @Option(names = "--decay", description = "cosine (default), step, poly, none. Cosine and poly run over the "
      + "iterations after the warmup; step decay divides at --decay-epochs counted from the start (Goyal).")
  void decay(String v) {
    b.decay = Enums.parse(TrainConfig.DecayKind.class, v, "--decay");
  }

  @Option(names = "--decay-epochs", split = ",", description = "Epochs at which step decay divides the LR (e.g. 30,60,80).")
  void decayEpochs(double[] v) {
    b.decayEpochs = v;
  }

  @Option(names = "--decay-factor", description = "Step decay factor (default ${DEFAULT-VALUE}).", defaultValue = "0.1")
  void decayFactor(double v) {
    b.decayFactor = v;
  }

  @Option(names = "--decay-power", description = "Polynomial decay power (default ${DEFAULT-VALUE}).", defaultValue = "2")
  void decayPower(double v) {
    b.decayPower = v;
  }

  @Option(names = "--optimizer", description = "sgd (default; Goyal momentum SGD), lars, lamb")
  void optimizer(String v) {
    b.optimizer = Enums.parse(TrainConfig.OptimizerKind.class, v, "--optimizer");
  }

  @Option(names = "--trust-coefficient", description = "LARS trust coefficient τ (default ${DEFAULT-VALUE}).", defaultValue = "0.001")
  void trust(double v) {
    b.trustCoefficient = v;
  }

  @Option(names = "--beta1", description = "LAMB first-moment decay β1 (default ${DEFAULT-VALUE}).", defaultValue = "0.9")
  void beta1(double v) {
    b.beta1 = v;
  }

  @Option(names = "--beta2", description = "LAMB second-moment decay β2 (default ${DEFAULT-VALUE}).", defaultValue = "0.999")
  void beta2(double v) {
    b.beta2 = v;
  }

  @Option(names = "--eps", description = "LAMB ε added to sqrt(v̂) (default ${DEFAULT-VALUE}).", defaultValue = "1e-6")
  void eps(double v) {
    b.eps = v;
  }

  @Option(names = "--momentum", description = "Momentum m, SGD and LARS (default ${DEFAULT-VALUE}).", defaultValue = "0.9")
  void momentum(double v) {
    b.momentum = v;
  }

  @Option(names = "--weight-decay", description = "Weight decay λ (LAMB: decoupled) (default ${DEFAULT-VALUE}).", defaultValue = "5e-4")
  void wd(double v) {
    b.weightDecay = v;
  }

  @Option(names = "--no-nesterov", description = "Plain momentum instead of Nesterov (SGD only).")
  void noNesterov(boolean v) {
    b.nesterov = !v;
  }

  @Option(names = "--decay-bias-and-norm", description = "Treat biases and BN γ/β like weights: weight decay (SGD) and also layer-wise adaptation (LARS/LAMB); off by default.")
  void decayAll(boolean v) {
    b.decayBiasAndNorm = v;
  }

  @Option(names = "--epochs", description = "Epochs (may be fractional) (default ${DEFAULT-VALUE}).", defaultValue = "5")
  void epochs(double v) {
    b.epochs = v;
  }

  @Option(names = "--seed", description = "Seed for init, shuffling and augmentation (default ${DEFAULT-VALUE}).", defaultValue = "1")
  void seed(long v) {
    b.seed = v;
  }

  @Option(names = "--threads", description = "LibTorch intra-op threads (default: all cores in a single process; the"
      + " launcher's share of them under launch; LibTorch's own choice under mpirun/srun).", defaultValue = "0")
  void threads(int v) {
    b.threads = v;
  }

  @Option(names = "--no-augment", description = "Disable random crop + flip.")
  void noAugment(boolean v) {
    b.augment = !v;
  }

  @Option(names = "--train-limit", description = "Use only the first N training examples (0 = all).", defaultValue = "0")
  void trainLimit(int v) {
    b.trainLimit = v;
  }

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory for metrics (default ${DEFAULT-VALUE}).", defaultValue = "runs/latest")
  void out(Path v) {
    b.out = v;
  }

  @Option(names = "--checkpoint", paramLabel = "FILE", description = "Checkpoint file (default: OUT/checkpoint.bin). "
      + "With --sync decentralized every rank r writes its own FILE-rank<r> (e.g. checkpoint-rank0.bin) and keeps its "
      + "previous save as FILE-rank<r>.prev.")
  Path checkpoint;

  @Option(names = "--checkpoint-every", description = "Also checkpoint every N steps (0 = only at epoch ends) (default ${DEFAULT-VALUE}).", defaultValue = "0")
  long checkpointEvery;

  @Option(names = "--resume", paramLabel = "FILE", description = "Continue from this checkpoint (same settings, same worker count). "
      + "With --sync decentralized give the --checkpoint path: every rank reads its own FILE-rank<r> (or, after a stop "
      + "during a save, all fall back to the previous save); the same process count, --topology and --decent-method are required.")
  Path resume;

  @Option(names = "--bucket-mb", description = "Gradient bucket size for allreduce in MB (default: auto = "
      + "gradient bytes / 8, between 64 KB and 25 MB, so even small models overlap several buckets with backward).",
      defaultValue = "0")
  double bucketMb;

  @Option(names = "--no-overlap", description = "Allreduce gradient buckets after backward instead of during it.")
  boolean noOverlap;

  @Option(names = "--grad-compression", paramLabel = "none|fp16", description = "Element type of the gradient "
      + "allreduce: none (float32, default) or fp16 (IEEE half: half the bytes, every replica decodes the same sum; "
      + "Horovod's Compression.fp16, DDP's fp16_compress_hook; each bucket is scaled by a power of two against underflow). "
      + "A no-op in a single process (nothing is sent); not for --sync decentralized. Checkpoints keep the "
      + "per-bucket scales, so a resumed fp16 run equals the uninterrupted one bit for bit.")
  String gradCompression = "none";

  @Option(names = "--rank-metrics", description = "Every rank r > 0 also writes OUT/rank<r>/metrics.jsonl (per-rank step "
      + "breakdown, e.g. to see which rank the others wait for); rank 0 writes OUT as always.")
  boolean rankMetrics;

  @Option(names = "--comm-timeout", description = "Seconds a peer may stall before the job fails (default ${DEFAULT-VALUE}).", defaultValue = "30")
  double commTimeoutSeconds;

  @Option(names = "--sync", description = "sync (default: gradient allreduce, identical replicas) or decentralized "
      + "(each process keeps its own parameters and averages them with its neighbours; see --topology, --decent-method).")
  String sync = "sync";

  @Option(names = "--topology", description = "Graph of --sync decentralized: ring (default), exp (static exponential), "
      + "full (all-to-all; equals synchronous SGD).")
  String topology;

  @Option(names = "--decent-method", description = "Update of --sync decentralized: decentlam (default; Yuan et al. 2021) or dmsgd.")
  String decentMethod;

  enum SyncKind { SYNC, DECENTRALIZED }

  /**
   * The decentralized settings the flags ask for, or null for synchronous training.
   *
   * @throws IllegalArgumentException naming the flag that does not fit
   */
  public Decentralized.Settings decentralized() {
    if (Enums.parse(SyncKind.class, sync, "--sync") == SyncKind.SYNC) {
      if (topology != null || decentMethod != null) {
        throw new IllegalArgumentException((topology != null ? "--topology" : "--decent-method")
            + " only applies with --sync decentralized");
      }
      return null;
    }
    return new Decentralized.Settings(
        topology == null ? Topology.Kind.RING : Enums.parse(Topology.Kind.class, topology, "--topology"),
        decentMethod == null ? DecentralizedSgd.Method.DECENTLAM
            : Enums.parse(DecentralizedSgd.Method.class, decentMethod, "--decent-method"));
  }

  @Option(names = "--conadv", description = "ConAdv (Liu et al. 2022): also train on FGSM adversarial examples computed "
      + "from one-step-stale parameters on a background thread, mixed with the clean examples.")
  boolean conAdv;

  @Option(names = "--conadv-eps", paramLabel = "EPS", description = "ConAdv L∞ radius ε in normalised input units, "
      + "i.e. after (x − mean)/std (default 0.1; about 9/255 of the pixel range on Fashion-MNIST).")
  Double conAdvEps;

  @Option(names = "--conadv-mix", paramLabel = "ALPHA", description = "ConAdv weight α of the adversarial loss: "
      + "(1 − α)·clean + α·adversarial mean loss (default 0.5 = mean over clean and adversarial examples).")
  Double conAdvMix;

  @Option(names = "--conadv-steps", paramLabel = "K", description = "ConAdv sign-gradient steps (1 = FGSM, default; "
      + "K > 1: PGD with step 2.5·ε/K).")
  Integer conAdvSteps;

  @Option(names = "--conadv-inline", description = "ConAdv: compute the perturbation on the main thread instead of "
      + "concurrently (same results; for timing comparisons).")
  boolean conAdvInline;

  /** The ConAdv settings these flags describe, or null without {@code --conadv}; bad combinations throw. */
  public ConAdv.Settings conAdvSettings() {
    if (!conAdv) {
      String stray = conAdvEps != null ? "--conadv-eps" : conAdvMix != null ? "--conadv-mix"
          : conAdvSteps != null ? "--conadv-steps" : conAdvInline ? "--conadv-inline" : null;
      if (stray != null) {
        throw new IllegalArgumentException(stray + " needs --conadv");
      }
      return null;
    }
    return new ConAdv.Settings(conAdvEps == null ? 0.1 : conAdvEps, conAdvMix == null ? 0.5 : conAdvMix,
        conAdvSteps == null ? 1 : conAdvSteps, !conAdvInline);
  }

  @Spec
  CommandSpec spec;

  /**
   * Hidden: record the first N steps (initial state, each global batch, each state after the update) for a
   * lockstep replay by {@code bench/torch-reference/lockstep.py}; the run stops after them. See {@link StepTrace}.
   */
  @Option(names = "--trace-steps", paramLabel = "N", hidden = true)
  Integer traceSteps;

  /** Hidden: the directory of {@code --trace-steps} (created; must not hold an earlier trace). */
  @Option(names = "--trace-dir", paramLabel = "DIR", hidden = true)
  Path traceDir;

  /** The step trace {@code --trace-steps}/{@code --trace-dir} ask for, or null; bad combinations throw. */
  private StepTrace stepTrace(boolean adversarial, boolean autoBatch, boolean decentral) {
    if (traceSteps == null && traceDir == null) {
      return null;
    }
    if (traceSteps == null || traceDir == null) {
      throw new IllegalArgumentException(traceSteps == null ? "--trace-dir needs --trace-steps N"
          : "--trace-steps needs --trace-dir DIR");
    }
    if (adversarial || autoBatch || decentral || resume != null) {
      throw new IllegalArgumentException("--trace-steps cannot be combined with "
          + (adversarial ? "--conadv" : autoBatch ? "--batch auto" : decentral ? "--sync decentralized" : "--resume")
          + ": it records the fixed global batch of a fresh run");
    }
    List<String> args = spec == null || spec.commandLine().getParseResult() == null ? List.of()
        : spec.commandLine().getParseResult().originalArgs();
    int at = spec == null ? -1 : args.indexOf(spec.name());
    return StepTrace.open(traceDir, traceSteps, at >= 0 && spec.parent() != null ? args.subList(at + 1, args.size()) : args);
  }

  /**
   * How this process becomes one replica of the job, given {@code --comm-timeout} (seconds), the
   * gradient bucket size and whether buckets overlap backward ({@code --no-overlap}): from the launcher's
   * environment ({@link #call()}), or from a runner that embeds the trainer, such as the Spark barrier
   * stage of {@code bigbatch-spark}.
   */
  @FunctionalInterface
  public interface Join {
    Replicas join(double commTimeoutSeconds, long bucketBytes, boolean overlap);
  }

  /**
   * Parses {@code bigbatch train} flags without running them (for runners that embed the trainer).
   *
   * @throws IllegalArgumentException naming the bad flag
   */
  public static TrainCommand parse(String... args) {
    TrainCommand cmd = new TrainCommand();
    try {
      new CommandLine(cmd).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      Throwable cause = e.getCause();
      throw new IllegalArgumentException(cause instanceof IllegalArgumentException ? cause.getMessage() : e.getMessage(), e);
    }
    return cmd;
  }

  /** The checkpoint file this run writes: {@code --checkpoint}, else OUT/checkpoint.bin. */
  public Path checkpointFile() {
    return checkpoint != null ? checkpoint : b.out.resolve("checkpoint.bin");
  }

  /** Continues from {@code file} instead of rank 0's initial parameters, as {@code --resume FILE} does. */
  public TrainCommand resumeFrom(Path file) {
    this.resume = file;
    return this;
  }

  /** A fresh metrics file, or for a resumed run the existing one without what was logged after the checkpoint. */
  private static MetricsJsonl metrics(Path dir, Checkpoints.State resumed) {
    return resumed == null ? new MetricsJsonl(dir, 1) : MetricsJsonl.resumedAt(dir, 1, resumed.nextStep());
  }

  private long bucketBytes(Model model) {
    if (bucketMb < 0) {
      throw new IllegalArgumentException("--bucket-mb must be >= 0 (0 = auto), got " + bucketMb);
    }
    if (bucketMb > 0) {
      return (long) (bucketMb * (1 << 20));
    }
    return GradientBuckets.autoBucketBytes(model.paramCount() * Float.BYTES);
  }

  /**
   * The validated config these flags describe (with {@code --accumulate} mapped to virtual workers),
   * without running.
   */
  public TrainConfig config() {
    int workers = b.workers;
    int workersPerChunk = b.workersPerChunk;
    try {
      return Accumulation.apply(b, accumulate).build();
    } finally { // the builder keeps the flags as given, so config() can be called again
      b.workers = workers;
      b.workersPerChunk = workersPerChunk;
    }
  }

  /** The checkpoint this run continues from ({@code --resume} or {@link #resumeFrom}), or null. */
  public Path resumePath() {
    return resume;
  }

  @Override
  public Integer call() {
    return run((timeoutSeconds, bucketBytes, overlap) -> Cluster.join(System.getenv(), timeoutSeconds, bucketBytes, overlap),
        List.of());
  }

  /**
   * Intra-op threads for this process: {@code --threads} if given; else the launcher's share ({@code BIGBATCH_THREADS},
   * set by {@code launch}); else, in a single process, every core — LibTorch's own default is 1 on the 2-core machine,
   * which made the main job 1.45× slower (308 s vs 213 s, issue 18); else (a rank started by mpirun/srun, which cannot
   * know how many ranks share its host) 0, LibTorch's choice.
   */
  static int intraOpThreads(int flag, Map<String, String> env, int cores) {
    if (flag < 0) {
      throw new IllegalArgumentException("--threads must be >= 0 (0: all cores), got " + flag);
    }
    if (flag > 0) {
      return flag;
    }
    String launched = env.get(LaunchCommand.THREADS_ENV);
    if (launched != null) {
      try {
        int n = Integer.parseInt(launched.trim());
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(LaunchCommand.THREADS_ENV + " must be a positive whole number of threads, got '"
          + launched + "'");
    }
    return Cluster.launched(env) ? 0 : cores;
  }

  /**
   * Trains as the flags say, as the replica {@code join} returns (one process simulating all workers, or
   * one rank of a job); {@code extra} listeners observe the run on every rank. Returns the exit code.
   */
  public int run(Join join, List<TrainListener> extra) {
    TrainConfig config = config();
    Decentralized.Settings decentral = decentralized();
    AutoBatchSettings auto = autoBatch.settings(config, accumulate);
    if (decentral != null) {
      decentral.check(config);
      if (auto != null) {
        throw new IllegalArgumentException("--batch auto is not supported with --sync decentralized");
      }
    }
    GradientCompression compression = Enums.parse(GradientCompression.class, gradCompression, "--grad-compression");
    if (compression != GradientCompression.NONE && decentral != null) {
      throw new IllegalArgumentException("--grad-compression " + gradCompression + " only applies with --sync sync "
          + "(decentralized ranks average parameters, not gradients)");
    }
    ConAdv.Settings adversarial = conAdvSettings();
    if (adversarial != null && auto != null) {
      throw new IllegalArgumentException("--conadv cannot be combined with --batch auto: ConAdv reads the next step's "
          + "batch one step early, before the autopilot may change its size");
    }
    if (adversarial != null && decentral != null) {
      throw new IllegalArgumentException("--conadv is not supported with --sync decentralized yet (the combination "
          + "is untested)");
    }
    StepTrace trace = stepTrace(adversarial != null, auto != null, decentral != null);
    Torch.threads(intraOpThreads(config.threads(), System.getenv(), Runtime.getRuntime().availableProcessors()));
    DataSource.Splits data = DataSource.load(config);
    var in = new Models.InputSpec(data.train().channels(), data.train().height(), data.train().width(),
        Math.max(data.train().numClasses(), data.test().numClasses()));
    Model model = Torch.seeded(config.seed(), () -> Models.create(config.model(), in, config.width(), config.zeroGamma()));
    // Decentralized ranks each read their own file once joined (RankCheckpoints); synchronous runs read one file here.
    Checkpoints.State resumed = resume == null || decentral != null ? null : RankCheckpoints.loadSynchronous(resume);
    autoBatch.checkResume(resumed);
    try (Replicas joined = join.join(commTimeoutSeconds, bucketBytes(model), !noOverlap);
        ConAdv conAdvRun = adversarial == null ? null : new ConAdv(adversarial, config, data.train(), model,
            Torch.seeded(config.seed(), () -> Models.create(config.model(), in, config.width(), config.zeroGamma())))) {
      Replicas replicas = joined;
      if (joined instanceof DistributedReplicas distributed) {
        distributed.compressGradients(compression); // a single process sends nothing: no-op there
      }
      Optimizer opt;
      if (decentral == null) {
        opt = Optimizers.create(config.optimizerSettings(), model.params());
      } else {
        Decentralized.Job job = Decentralized.setUp(decentral, config, model, joined, config.out(), System.out, resume != null);
        replicas = job.replicas();
        opt = job.optimizer();
        resumed = resume == null ? null : job.resume(resume, config, model, System.out);
      }
      // The run directory is claimed once every check has passed (the decentralized resume's included) and before
      // anything is written to it: a second run into the same --out is refused in one line instead of interleaving
      // its metrics with this one's.
      try (RunLock claimed = RunLock.claim(config.out(), replicas.rank())) {
        List<TrainListener> listeners = new ArrayList<>();
        if (replicas.size() > 1) {
          listeners.add(new CommBytesListener(replicas::bytesSent, replicas.rank() == 0 ? config.out() : null,
              System.out));
        }
        if (replicas.rank() == 0) {
          listeners.add(metrics(config.out(), resumed)
              .setting("gradCompression", compression.name().toLowerCase(Locale.ROOT)));
          listeners.add(new ConsoleProgress(System.out));
        } else if (rankMetrics) {
          listeners.add(metrics(config.out().resolve("rank" + replicas.rank()), resumed)
              .setting("gradCompression", compression.name().toLowerCase(Locale.ROOT)));
        }
        listeners.addAll(extra);
        if (replicas.rank() == 0) {
          RecipeLint.atTrainStart(config, data.train().size(), resumed, auto != null, System.out);
        }
        StepPlan plan = auto == null ? new FixedBatchPlan(config, data.train().size())
            : new AutoBatchPlan(config, auto, data.train().size(), replicas.size());
        Trainer trainer = new Trainer(config, plan, model, opt, data.train(), data.test(), replicas, listeners)
            .checkpoints(new Checkpoints.Policy(checkpointFile(), checkpointEvery, true));
        if (resumed != null) {
          trainer.resumeFrom(resumed);
        }
        if (trace != null) {
          trainer.trace(trace).stopAfter(trace.steps());
        }
        trainer.conAdv(conAdvRun).run();
        if (joined instanceof DistributedReplicas distributed && distributed.compressionSummary() != null) {
          System.out.println(distributed.compressionSummary());
        }
        if (conAdvRun != null && replicas.rank() == 0) {
          System.out.println(conAdvRun.summary());
        }
      }
    }
    return 0;
  }
}
