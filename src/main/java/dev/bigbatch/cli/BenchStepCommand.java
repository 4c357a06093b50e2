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
import dev.bigbatch.train.TrainStep;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bigbatch bench step}: times the trainer's own step ({@link TrainStep}, the class {@code Trainer} runs every
 * step: zero grads, forward/backward of k virtual workers with per-worker BN through the cross-entropy objective,
 * gradient sync, loss sum, divergence check, optimizer update) of one process on a real Fashion-MNIST batch, and the
 * same step in PyTorch ({@code bench/step_reference.py}: same network, per-worker BN, batch, optimizer and thread
 * count), in interleaved rounds so both see the same machine load.
 */
@Command(name = "step", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Time one training step of bigbatch (the trainer's own step, one process) vs the same step in "
        + "PyTorch (median ms/step and ratio).")
public final class BenchStepCommand implements Callable<Integer> {
  /** Milliseconds per step: median wall clock, and mean CPU time of the whole process (all threads). */
  record Timing(double wallMs, double cpuMs) {}

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
    Batch batch = firstBatch(train, workers, perWorkerBatch);
    Torch.seed(1);
    Model net = Models.create(model, new Models.InputSpec(train.channels(), train.height(), train.width(), 10), width, true);
    net.context().training(true);
    net.context().bnGroupSize(perWorkerBatch);
    Sgd sgd = new Sgd(net.params(), new Sgd.Options(0.9, 5e-4, true, false, true));
    TrainStep step = TrainStep.singleProcess(net, sgd, perWorkerBatch, workers, train.channels(), train.height(),
        train.width());

    StepReference ref = noReference ? null : StepReference.find(python, reference, model, System.out);
    System.out.printf(Locale.ROOT, "bench step: %s, batch %d = %d workers x %d (per-worker BN), %d threads,"
            + " %s batch 0 (real data), Nesterov SGD wd 5e-4; OMP_WAIT_POLICY %s (the reference inherits it); load average %s%n",
        net.describe(), batch.count(), workers, perWorkerBatch, usedThreads, train.name(), Torch.ompWaitPolicy(),
        StepReference.loadAverage());
    List<Timing> ours = new ArrayList<>();
    List<Timing> theirs = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      // ABBA order: load drifts, so neither side always runs first.
      boolean oursFirst = r % 2 == 1;
      Timing p = ref != null && !oursFirst ? timeTheirs(ref, batch, train, usedThreads) : null;
      Timing t = timeOurs(step, batch);
      if (ref != null && oursFirst) {
        p = timeTheirs(ref, batch, train, usedThreads);
      }
      ours.add(t);
      String line = String.format(Locale.ROOT, "round %d: bigbatch %8.1f ms/step (cpu %8.1f)", r, t.wallMs(), t.cpuMs());
      if (p != null) {
        theirs.add(p);
        line += String.format(Locale.ROOT, "   pytorch %8.1f ms/step (cpu %8.1f)", p.wallMs(), p.cpuMs());
      }
      System.out.println(line + "   load " + StepReference.loadAverage());
    }
    Timing a = median(ours);
    System.out.printf(Locale.ROOT, "bigbatch  %8.1f ms/step  %7.0f examples/s  cpu %8.1f ms/step  (median of %d rounds x %d steps)%n",
        a.wallMs(), batch.count() * 1000 / a.wallMs(), a.cpuMs(), rounds, steps);
    if (ref != null) {
      Timing b = median(theirs);
      System.out.printf(Locale.ROOT, "pytorch   %8.1f ms/step  %7.0f examples/s  cpu %8.1f ms/step  (%s)%n",
          b.wallMs(), batch.count() * 1000 / b.wallMs(), b.cpuMs(), ref.version());
      System.out.printf(Locale.ROOT, "ratio bigbatch/pytorch %.3f wall, %.3f cpu (target <= %.2f)%n",
          a.wallMs() / b.wallMs(), a.cpuMs() / b.cpuMs(), TARGET_RATIO);
    }
    return 0;
  }

  /** Step 0 of epoch 0 of the trainer's sampler (seed 1), decoded without augmentation. */
  static Batch firstBatch(ImageDataset train, int workers, int perWorkerBatch) {
    DistributedSampler sampler = new DistributedSampler(train.size(), workers, perWorkerBatch, 1);
    BatchDecoder decoder = new BatchDecoder(train, Normalization.fromData(train), Augmentation.NONE, 1);
    return decoder.decode(new IndexBatch(0, 0, sampler.globalBatch(0, 0)));
  }

  private Timing timeTheirs(StepReference ref, Batch batch, ImageDataset train, int usedThreads) throws Exception {
    return ref.time(batch, train, perWorkerBatch, workers, width, usedThreads, steps, warmupSteps);
  }

  /** Times {@code steps} steps after {@code warmupSteps} untimed ones. */
  private Timing timeOurs(TrainStep step, Batch batch) {
    for (int i = 0; i < warmupSteps; i++) {
      step.run(batch, workers, 0.1);
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double[] wall = new double[steps];
    long c0 = os.getProcessCpuTime(); // 10 ms ticks on Linux: averaged over the round, not per step
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      step.run(batch, workers, 0.1);
      wall[i] = (System.nanoTime() - t0) / 1e6;
    }
    double cpuMs = (os.getProcessCpuTime() - c0) / 1e6 / steps;
    return new Timing(median(wall), cpuMs);
  }

  /** Wall and CPU medians taken separately. */
  static Timing median(List<Timing> values) {
    return new Timing(median(values.stream().mapToDouble(Timing::wallMs).toArray()),
        median(values.stream().mapToDouble(Timing::cpuMs).toArray()));
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
