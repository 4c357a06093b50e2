package dev.bigbatch.cli;

import dev.bigbatch.data.Augmentation;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.BatchDecoder;
import dev.bigbatch.data.Datasets;
import dev.bigbatch.data.DistributedSampler;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.data.Normalization;
import dev.bigbatch.data.Split;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.train.GradientSync;
import dev.bigbatch.train.TrainStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bigbatch bench step}: times bigbatch's training step (the trainer's {@link TrainStep}) on a real
 * Fashion-MNIST batch and the same step in PyTorch ({@code bench/step_reference.py}: same network, per-worker
 * BN, batch, optimizer and thread count), in interleaved rounds so both see the same machine load.
 */
@Command(name = "step", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Time one training step of bigbatch vs the same step in PyTorch (median ms/step and ratio).")
public final class BenchStepCommand implements Callable<Integer> {
  /** The ratio bigbatch/PyTorch we aim for. */
  static final double TARGET_RATIO = 1.05;

  @Option(names = "--model", description = "resnet8 (default), resnet20, … (any 6n+2); mlp and resnet50 run without a reference.",
      defaultValue = "resnet8")
  String model;

  @Option(names = "--width", description = "ResNet base width (default ${DEFAULT-VALUE}).", defaultValue = "16")
  int width;

  @Option(names = {"-n", "--batch-per-worker"}, description = "Per-worker batch n (default ${DEFAULT-VALUE}).", defaultValue = "32")
  int perWorkerBatch;

  @Option(names = {"-k", "--workers"}, description = "Virtual workers k; the step's batch is k·n (default ${DEFAULT-VALUE}).",
      defaultValue = "8")
  int workers;

  @Option(names = "--threads", description = "Intra-op threads for both (default: LibTorch's default, all cores).",
      defaultValue = "0")
  int threads;

  @Option(names = "--steps", description = "Timed steps per round (default ${DEFAULT-VALUE}).", defaultValue = "20")
  int steps;

  @Option(names = "--warmup-steps", description = "Untimed steps before each round (default ${DEFAULT-VALUE}).",
      defaultValue = "5")
  int warmupSteps;

  @Option(names = "--rounds", description = "Interleaved bigbatch/PyTorch rounds; the result is the median of the rounds'"
      + " medians (default ${DEFAULT-VALUE}).", defaultValue = "3")
  int rounds;

  @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory (default ${DEFAULT-VALUE}).",
      defaultValue = "/usr/share/datasets/fashion-mnist")
  Path data;

  @Option(names = "--python", description = "Python with PyTorch (default ${DEFAULT-VALUE}).", defaultValue = "/usr/bin/python3")
  String python;

  @Option(names = "--reference", paramLabel = "FILE", description = "The PyTorch script (default: bench/step_reference.py"
      + " of this checkout).")
  Path reference;

  @Option(names = "--no-reference", description = "Time bigbatch only.")
  boolean noReference;

  @Override
  public Integer call() throws Exception {
    require(steps > 0 && warmupSteps >= 0 && rounds > 0, "--steps and --rounds must be > 0 and --warmup-steps >= 0");
    require(perWorkerBatch > 0 && workers > 0 && width > 0, "--batch-per-worker, --workers and --width must be > 0");
    Torch.threads(threads);
    int usedThreads = Torch.threads();
    ImageDataset train = Datasets.idx(data, Split.TRAIN);
    Batch batch = firstBatch(train);
    Torch.seed(1);
    Model net = Models.create(model, new Models.InputSpec(train.channels(), train.height(), train.width(), 10), width, true);
    net.context().training(true);
    net.context().bnGroupSize(perWorkerBatch);
    Sgd sgd = new Sgd(net.params(), new Sgd.Options(0.9, 5e-4, true, false, true));
    TrainStep step = new TrainStep(net, sgd, GradientSync.NONE, perWorkerBatch, workers, workers,
        train.channels(), train.height(), train.width());

    StepReference ref = noReference ? null : StepReference.find(python, reference, model, System.out);
    System.out.printf(Locale.ROOT, "bench step: %s, batch %d = %d workers x %d (per-worker BN), %d threads,"
            + " %s batch 0 (real data), Nesterov SGD wd 5e-4; load average %s%n",
        net.describe(), batch.count(), workers, perWorkerBatch, usedThreads, train.name(), StepReference.loadAverage());
    List<Double> ours = new ArrayList<>();
    List<Double> theirs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      double ms = timeOurs(step, batch);
      ours.add(ms);
      String line = String.format(Locale.ROOT, "round %d: bigbatch %8.1f ms/step", r, ms);
      if (ref != null) {
        double theirMs = ref.time(batch, train, perWorkerBatch, workers, width, usedThreads, steps, warmupSteps);
        theirs.add(theirMs);
        line += String.format(Locale.ROOT, "   pytorch %8.1f ms/step", theirMs);
      }
      System.out.println(line);
    }
    double a = median(ours);
    System.out.printf(Locale.ROOT, "bigbatch  %8.1f ms/step  %7.0f examples/s  (median of %d rounds x %d steps)%n",
        a, batch.count() * 1000 / a, rounds, steps);
    if (ref != null) {
      double b = median(theirs);
      System.out.printf(Locale.ROOT, "pytorch   %8.1f ms/step  %7.0f examples/s  (%s)%n", b, batch.count() * 1000 / b,
          ref.version());
      System.out.printf(Locale.ROOT, "ratio bigbatch/pytorch %.3f (target <= %.2f); load average %s%n", a / b,
          TARGET_RATIO, StepReference.loadAverage());
    }
    return 0;
  }

  /** Step 0 of epoch 0 of the trainer's sampler (seed 1), decoded without augmentation. */
  private Batch firstBatch(ImageDataset train) {
    DistributedSampler sampler = new DistributedSampler(train.size(), workers, perWorkerBatch, 1);
    BatchDecoder decoder = new BatchDecoder(train, Normalization.fromData(train), Augmentation.NONE, 1);
    return decoder.decode(new IndexBatch(0, 0, sampler.globalBatch(0, 0)));
  }

  /** Median ms of {@code steps} timed steps after {@code warmupSteps} untimed ones. */
  private double timeOurs(TrainStep step, Batch batch) {
    for (int i = 0; i < warmupSteps; i++) {
      step.run(batch, 0.1);
    }
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      step.run(batch, 0.1);
      ms.add((System.nanoTime() - t0) / 1e6);
    }
    return median(ms);
  }

  static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
