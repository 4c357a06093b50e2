package dev.bigbatch.spec;

import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A whole training job: one record per concern plus its length, seed and threads. The constructor checks every
 * combination of concerns (each concern checks its own fields), so a {@code JobSpec} that exists can run, as far as
 * can be known before the data is read.
 *
 * <p>Build one with {@link #builder()} (the defaults of {@code bigbatch train}), edit the public fields of its
 * per-concern builders, and {@link Builder#build()}; or read {@code config.json} with {@link Specs#read}.
 *
 * @param epochs training length in epochs (may be fractional)
 * @param seed seed of initialisation, shuffling and augmentation
 * @param threads LibTorch intra-op threads (0: all cores in a single process, the launcher's share under launch)
 */
public record JobSpec(DataSpec data, ModelSpec model, BatchSpec batch, LrSpec lr, OptimizerSpec optimizer, double epochs,
    long seed, int threads, SyncSpec sync, ExtrasSpec extras, OutputSpec output) {

  public JobSpec {
    Check.notNull(data, "data");
    Check.notNull(model, "model");
    Check.notNull(batch, "batch");
    Check.notNull(lr, "lr");
    Check.notNull(optimizer, "optimizer");
    Check.notNull(sync, "sync");
    Check.notNull(extras, "extras");
    Check.notNull(output, "output");
    Check.positive(epochs, "--epochs");
    Check.require(threads >= 0, "--threads must be >= 0 (0: all cores), got " + threads);
    for (double e : lr.decayEpochs()) {
      Check.require(e > 0 && e < epochs, "--decay-epochs values must lie in (0, epochs=" + epochs + "), got "
          + Arrays.toString(lr.decayEpochs()));
    }
    double warmup = lr.effectiveWarmupEpochs(batch.global());
    Check.require(warmup < epochs, String.format(Locale.ROOT, "warmup of %.3g epochs is not shorter than training "
        + "(--epochs %.3g); shorten --warmup-epochs or train longer", warmup, epochs));
    if (batch.auto()) {
      Check.require(lr.schedule() == LrSpec.Schedule.RECIPE, "--schedule " + Specs.flagValue(lr.schedule())
          + " cannot be combined with --batch auto (its learning rate is a function of progress and the current batch)");
      Check.require(lr.warmup() != LrSpec.Warmup.LEGW, "--warmup legw cannot be used with --batch auto: its warmup "
          + "length scales with the batch, which the autopilot changes; use --warmup gradual with --lr-scaling sqrt");
      Check.require(!sync.decentralized(), "--batch auto is not supported with --sync decentralized");
      Check.require(!extras.conAdv(), "--conadv cannot be combined with --batch auto: ConAdv reads the next step's "
          + "batch one step early, before the autopilot may change its size");
      Check.require(!extras.traced(), "--trace-steps cannot be combined with --batch auto: it records the fixed "
          + "global batch of a fresh run");
    }
    if (sync.decentralized()) {
      Check.require(optimizer.kind() == OptimizerSpec.Kind.SGD, "--sync decentralized implements momentum SGD (DmSGD, "
          + "DecentLaM); --optimizer " + Specs.flagValue(optimizer.kind()) + " is not supported, use --optimizer sgd");
      Check.require(!extras.conAdv(), "--conadv is not supported with --sync decentralized yet (the combination is "
          + "untested)");
      Check.require(!extras.traced(), "--trace-steps cannot be combined with --sync decentralized: it records the "
          + "fixed global batch of a fresh run");
    }
  }

  /** The defaults of {@code bigbatch train}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this spec's values, to change some and build again. */
  public Builder toBuilder() {
    return Specs.JSON.convertValue(this, Builder.class);
  }

  @Override
  public String toString() {
    return Specs.json(this);
  }

  /**
   * The one-line summary the console, {@code config.json} ("config") and Spark's job description show, e.g.
   * {@code model=resnet8 width=16 n=32 k=8 kn=256 optimizer=SGD(m=0.9 nesterov=true) … seed=1}; k is the virtual
   * workers k·A.
   */
  public String summary() {
    OptimizerSpec o = optimizer;
    String opt = switch (o.kind()) {
      case SGD -> String.format(Locale.ROOT, "(m=%g nesterov=%b)", o.momentum(), o.nesterov());
      case LARS -> String.format(Locale.ROOT, "(m=%g trust=%g)", o.momentum(), o.trustCoefficient());
      case LAMB -> String.format(Locale.ROOT, "(beta1=%g beta2=%g eps=%g)", o.beta1(), o.beta2(), o.eps());
    };
    String warmup = lr.schedule() == LrSpec.Schedule.AUTOWU
        ? String.format(Locale.ROOT, "AUTOWU(start %g, max %s, <= %g of steps, patience %d)", lr.warmupStartLr(),
            lr.autoWuMaxLr() == 0 ? "auto" : String.format(Locale.ROOT, "%g", lr.autoWuMaxLr()), lr.autoWuMaxWarmup(),
            lr.autoWuPatience())
        : lr.warmup() == LrSpec.Warmup.NONE ? String.format(Locale.ROOT, "%s(%g epochs)", lr.warmup(), lr.warmupEpochs())
        : String.format(Locale.ROOT, "%s(%g epochs from %g)", lr.warmup(), lr.warmupEpochs(), lr.warmupStartLr());
    return String.format(Locale.ROOT,
        "model=%s width=%d n=%d k=%d kn=%d optimizer=%s%s wd=%g lr0=%g scaling=%s warmup=%s decay=%s epochs=%g seed=%d",
        model.architecture(), model.width(), batch.perWorker(), batch.virtualWorkers(), batch.global(), o.kind(), opt,
        o.weightDecay(), lr.base(), lr.scaling(), warmup, lr.decay(), epochs, seed);
  }

  /**
   * Defaults and CLI flags of a whole job: the per-concern builders are picocli mixins, so {@code bigbatch train}'s
   * flags are exactly these fields, in this order in its help.
   */
  public static final class Builder {
    @Mixin public DataSpec.Builder data = new DataSpec.Builder();
    @Mixin public ModelSpec.Builder model = new ModelSpec.Builder();
    @Mixin public BatchSpec.Builder batch = new BatchSpec.Builder();
    @Mixin public LrSpec.Builder lr = new LrSpec.Builder();
    @Mixin public OptimizerSpec.Builder optimizer = new OptimizerSpec.Builder();

    @Option(names = "--epochs", description = "Epochs (may be fractional) (default ${DEFAULT-VALUE}).")
    public double epochs = 5;

    @Option(names = "--seed", description = "Seed for init, shuffling and augmentation (default ${DEFAULT-VALUE}).")
    public long seed = 1;

    @Option(names = "--threads", description = "LibTorch intra-op threads (default: all cores in a single process; the"
        + " launcher's share of them under launch; LibTorch's own choice under mpirun/srun).")
    public int threads;

    @Mixin public SyncSpec.Builder sync = new SyncSpec.Builder();
    @Mixin public ExtrasSpec.Builder extras = new ExtrasSpec.Builder();
    @Mixin public OutputSpec.Builder output = new OutputSpec.Builder();

    public JobSpec build() {
      return new JobSpec(data.build(), model.build(), batch.build(), lr.build(), optimizer.build(), epochs, seed, threads,
          sync.build(), extras.build(), output.build());
    }
  }
}
