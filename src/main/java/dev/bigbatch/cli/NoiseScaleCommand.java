package dev.bigbatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.diag.NoiseScale;
import dev.bigbatch.diag.NoiseScaleProbe;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Optimizers;
import dev.bigbatch.io.AtomicFiles;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.train.DataSource;
import dev.bigbatch.train.MetricsJsonl;
import dev.bigbatch.train.Replicas;
import dev.bigbatch.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bigbatch noise-scale}: a short single-process run that estimates the gradient noise scale
 * B_simple from one worker's gradient (n examples) and the global one (k·n) every step.
 */
@Command(name = "noise-scale", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Estimate the gradient noise scale B_simple (McCandlish et al.) during a short run; "
        + "B_simple approximates the critical batch size.")
public final class NoiseScaleCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist).")
  Path data;

  @Option(names = "--model", defaultValue = "resnet8", description = "Model (default ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--width", defaultValue = "16", description = "Model width (default ${DEFAULT-VALUE}).")
  int width;

  @Option(names = {"-n", "--batch-per-worker"}, defaultValue = "32", description = "Small batch n: one worker (default ${DEFAULT-VALUE}).")
  int perWorkerBatch;

  @Option(names = {"-k", "--workers"}, defaultValue = "8", description = "Workers k; big batch k·n (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--lr", defaultValue = "0.1", description = "η0 at batch --base-batch, linear scaling, gradual warmup (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--base-batch", defaultValue = "256", description = "Batch B0 at which --lr applies; the peak is "
      + "--lr·kn/B0 and the warmup starts at --lr (default ${DEFAULT-VALUE}).")
  int baseBatch;

  @Option(names = "--warmup-epochs", description = "Gradual warmup in epochs (default: 0.5, at most half the run).")
  Double warmupEpochs;

  @Option(names = "--decay", paramLabel = "KIND", description = "cosine (default), step, poly, none: as train's --decay.")
  LrSpec.Decay decay = LrSpec.Decay.COSINE;

  @Option(names = "--decay-epochs", split = ",", description = "Epochs at which step decay divides the LR by 10 (e.g. 6,12,16).")
  double[] decayEpochs;

  @Option(names = "--weight-decay", defaultValue = "5e-4", description = "Weight decay λ (default ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(names = "--augment", description = "Random crop + flip, as train does by default (off here unless given).")
  boolean augment;

  @Option(names = "--epochs", defaultValue = "1", description = "Length of the run in epochs (default ${DEFAULT-VALUE}).")
  double epochs;

  @Option(names = "--train-limit", defaultValue = "0", description = "Use only the first N training examples (0 = all).")
  int trainLimit;

  @Option(names = "--ema", defaultValue = "0.95", description = "EMA decay per step of both estimates (default ${DEFAULT-VALUE}).")
  double ema;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", defaultValue = "0", description = "LibTorch threads (default: all cores).")
  int threads;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/noise-scale", description = "Writes noise-scale.json and the run's metrics here (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() {
    JobSpec config = config();
    NoiseScaleProbe probe = new NoiseScaleProbe(perWorkerBatch, config.batch().global(), ema);
    Torch.threads(config.threads());
    Torch.seed(config.seed());
    DataSource.Splits splits = DataSource.load(config);
    var in = new Models.InputSpec(splits.train().channels(), splits.train().height(), splits.train().width(),
        Math.max(splits.train().numClasses(), splits.test().numClasses()));
    Model net = Models.create(config.model().architecture(), in, config.model().width(), config.model().zeroGamma());
    try (Replicas single = Replicas.single()) {
      new Trainer(config, net, Optimizers.create(config.optimizer(), net.params()), splits.train(), splits.test(),
          single, List.of(new MetricsJsonl(out, 1)))
          .gradientObserver(probe)
          .run();
    }
    NoiseScale.Estimate e = probe.estimate();
    int stepsPerEpoch = Math.max(1, splits.train().size() / config.batch().global()); // the sampler's floor(N / kn)
    List<NoiseScale.Estimate> epochs = probe.perPhase(stepsPerEpoch);
    write(out.resolve("noise-scale.json"), config, probe, epochs);
    var console = spec.commandLine().getOut();
    if (epochs.size() > 1) {
      console.println(perEpoch(epochs, stepsPerEpoch));
    }
    console.println(summary(e, perWorkerBatch, config.batch().global()));
    console.flush();
    return 0;
  }

  /** The run this command measures along (validated: a bad flag fails before any training). */
  JobSpec config() {
    JobSpec.Builder b = JobSpec.builder();
    if (data != null) {
      b.data.dir = data;
    }
    b.model.architecture = model;
    b.model.width = width;
    b.batch.perWorker = perWorkerBatch;
    b.batch.workers = workers;
    b.batch.workersPerChunk = Math.min(workers, 16);
    b.lr.base = lr;
    b.lr.baseBatch = baseBatch;
    b.epochs = epochs;
    b.lr.warmupEpochs = warmupEpochs != null ? warmupEpochs : Math.min(0.5, epochs / 2);
    b.lr.decay = decay;
    b.lr.decayEpochs = decayEpochs != null ? decayEpochs : new double[0];
    b.optimizer.weightDecay = weightDecay;
    b.data.trainLimit = trainLimit;
    b.seed = seed;
    b.threads = threads;
    b.data.augment = augment;
    b.output.dir = out;
    return b.build();
  }

  static String summary(NoiseScale.Estimate e, int small, int big) {
    if (!Double.isFinite(e.bSimple())) {
      return String.format(Locale.ROOT,
          "noise scale over %d steps (B_small=%d, B_big=%d): |G|^2 = %.4g, tr(Sigma) = %.4g: B_simple cannot be "
              + "resolved, the estimated |G|^2 is not positive (the true gradient is below the estimator's noise, as "
              + "late in a run whose learning rate has decayed); "
              + "more workers (a larger B_big) or an earlier window resolve it", e.steps(), small, big, e.gradNormSq(), e.traceSigma());
    }
    return String.format(Locale.ROOT,
        "noise scale over %d steps (B_small=%d, B_big=%d): |G|^2 = %.4g, tr(Sigma) = %.4g, B_simple = %.1f "
            + "-> critical batch ~ %.0f examples", e.steps(), small, big, e.gradNormSq(), e.traceSigma(), e.bSimple(),
        e.bSimple());
  }

  /** One line per epoch: B_simple from that epoch's plain means (the run's own estimate is an EMA of its last steps). */
  static String perEpoch(List<NoiseScale.Estimate> epochs, int stepsPerEpoch) {
    StringBuilder sb = new StringBuilder("B_simple per epoch (plain means of the one-step estimates over the epoch):");
    for (int i = 0; i < epochs.size(); i++) {
      NoiseScale.Estimate p = epochs.get(i);
      sb.append(String.format(Locale.ROOT, "%n  epoch %d (steps %d-%d): |G|^2 = %.4g, tr(Sigma) = %.4g, B_simple = %s",
          i, (long) i * stepsPerEpoch, (long) i * stepsPerEpoch + p.steps() - 1, p.gradNormSq(), p.traceSigma(),
          Double.isFinite(p.bSimple()) ? String.format(Locale.ROOT, "%.0f", p.bSimple()) : "n/a (|G|^2 <= 0)"));
    }
    return sb.toString();
  }

  static void write(Path file, JobSpec config, NoiseScaleProbe probe, List<NoiseScale.Estimate> perEpoch) {
    NoiseScale.Estimate e = probe.estimate();
    ObjectNode node = JSON.createObjectNode();
    node.put("config", config.summary());
    node.put("smallBatch", config.batch().perWorker());
    node.put("bigBatch", config.batch().global());
    node.put("steps", e.steps());
    node.put("gradNormSq", e.gradNormSq());
    node.put("traceSigma", e.traceSigma());
    node.put("bSimple", e.bSimple());
    node.put("criticalBatch", e.bSimple());
    ArrayNode epochs = node.putArray("epochs");
    for (int i = 0; i < perEpoch.size(); i++) {
      NoiseScale.Estimate p = perEpoch.get(i);
      epochs.addObject().put("epoch", i).put("steps", p.steps()).put("gradNormSq", p.gradNormSq())
          .put("traceSigma", p.traceSigma()).put("bSimple", p.bSimple());
    }
    ArrayNode history = node.putArray("history");
    for (NoiseScaleProbe.Sample s : probe.samples()) {
      history.addObject().put("step", s.step()).put("smallNormSq", s.smallNormSq()).put("bigNormSq", s.bigNormSq())
          .put("bSimple", s.bSimple());
    }
    AtomicFiles.write(file, o -> JSON.writerWithDefaultPrettyPrinter().writeValue(o, node));
  }
}
