package dev.bigbatch.cli;

import dev.bigbatch.diag.ComputeProbe;
import dev.bigbatch.diag.CostModel;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.spec.DataSpec;
import dev.bigbatch.spec.ModelSpec;
import dev.bigbatch.train.GradientBuckets;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bigbatch plan}: predicted step time, allreduce algorithm, scaling efficiency and time to train on
 * N machines from the α-β cost model ({@link CostModel}), with compute per example measured here, given in
 * seconds, or derived from FLOPs.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Predict step time, allreduce algorithm, scaling efficiency and time to train on N machines (α-β model).")
public final class PlanCommand implements Callable<Integer> {
  /** The model flags of train (--model, --width, --no-zero-gamma), validated by the job spec. */
  @Mixin
  ModelSpec.Builder model = new ModelSpec.Builder();

  @Option(names = "--dataset", paramLabel = "NAME", description = "fashion-mnist (default), mnist, cifar10: input shape and D.")
  DataSpec.Kind dataset = DataSpec.Kind.FASHION_MNIST;

  @Option(names = "--train-examples", description = "Training set size D (default: the dataset's).")
  Long trainExamples;

  @Option(names = {"-n", "--batch-per-worker"}, description = "Per-machine batch n, fixed as N grows (default ${DEFAULT-VALUE}).", defaultValue = "32")
  int n;

  @Option(names = "--epochs", description = "Epochs E (default ${DEFAULT-VALUE}).", defaultValue = "90")
  double epochs;

  @Option(names = "--machines", split = ",", description = "Machine counts N (default ${DEFAULT-VALUE}).",
      defaultValue = "1,2,3,4,8,16,32,64,128,256")
  int[] machines;

  @Option(names = "--alpha", description = "Latency α per message in seconds (default ${DEFAULT-VALUE}).", defaultValue = "50e-6")
  double alpha;

  @Option(names = "--bandwidth", description = "Bandwidth β in bytes/s (default ${DEFAULT-VALUE} = 10 Gbit/s).", defaultValue = "1.25e9")
  double beta;

  @Option(names = "--bucket-mb", description = "Gradient bucket size in MB as for train (default: auto, as train's: "
      + "gradient bytes / 8, between 64 KB and 25 MB).", defaultValue = "0")
  double bucketMb;

  @Option(names = "--no-overlap", description = "Allreduce after backward instead of during it.")
  boolean noOverlap;

  @Option(names = "--seconds-per-example", description = "Forward+backward seconds per example (skips the measurement).")
  Double secondsPerExample;

  @Option(names = "--gflops-per-example", description = "Forward+backward GFLOP per example; needs --device-gflops.")
  Double gflopsPerExample;

  @Option(names = "--device-gflops", description = "Sustained GFLOP/s of one machine.")
  Double deviceGflops;

  @Option(names = "--measure-steps", description = "Timed forward+backward steps when measuring (default ${DEFAULT-VALUE}).", defaultValue = "5")
  int measureSteps;

  @Option(names = "--threads", description = "LibTorch threads for the measurement (default: all cores).", defaultValue = "0")
  int threads;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    DataSpec.Kind data = dataset;
    ModelSpec net = model.build();
    Models.InputSpec in = switch (data) {
      case FASHION_MNIST, MNIST -> new Models.InputSpec(1, 28, 28, 10);
      case CIFAR10 -> new Models.InputSpec(3, 32, 32, 10);
      case IMAGE_FOLDER -> throw new IllegalArgumentException("--dataset image-folder: plan needs a fixed input shape; "
          + "use cifar10 (3×32×32, as image folders are resized) with --train-examples");
      case USER -> throw new IllegalArgumentException("dataset USER is supplied by the program, not read from --data");
    };
    long d = trainExamples != null ? trainExamples : data == DataSpec.Kind.CIFAR10 ? 50_000 : 60_000;
    if (gflopsPerExample != null && deviceGflops == null || gflopsPerExample == null && deviceGflops != null) {
      throw new IllegalArgumentException("--gflops-per-example and --device-gflops go together");
    }
    CostModel cost = new CostModel(alpha, beta);
    Torch.threads(threads);
    Model m = Models.create(net.architecture(), in, net.width(), net.zeroGamma());
    long gradientBytes = 4 * m.paramCount();
    String computeSource;
    double c;
    if (secondsPerExample != null) {
      c = secondsPerExample;
      computeSource = "given (--seconds-per-example)";
    } else if (gflopsPerExample != null) {
      c = gflopsPerExample / deviceGflops;
      computeSource = String.format(Locale.ROOT, "%g GFLOP / %g GFLOP/s", gflopsPerExample, deviceGflops);
    } else {
      c = ComputeProbe.secondsPerExample(m, in.channels(), in.height(), in.width(), in.classes(), n, 2, measureSteps);
      computeSource = String.format(Locale.ROOT, "measured here: median of %d forward+backward steps at n=%d, %d threads",
          measureSteps, n, Torch.threads());
    }
    if (!(bucketMb >= 0)) {
      throw new IllegalArgumentException("--bucket-mb must be >= 0 (0 = auto), got " + bucketMb);
    }
    long bucket = bucketMb == 0 ? GradientBuckets.autoBucketBytes(gradientBytes) : Math.max(1, (long) (bucketMb * (1 << 20)));
    // The buckets train makes of this model's parameters: their count and the one backward fills last.
    long[] sizes = GradientBuckets.layout(m.params().stream().mapToLong(p -> p.numel() * Float.BYTES).toArray(), bucket);
    long last = sizes.length == 0 ? 0 : sizes[sizes.length - 1];
    CostModel.Workload w = new CostModel.Workload(c, n, gradientBytes, Math.max(1, sizes.length), last, !noOverlap, d, epochs);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "model %s: S = %,d gradient bytes (float32), bucket %.3g MB (%d bucket%s as train cuts them, "
        + "last %,d bytes), overlap %s%n", m.describe(), gradientBytes, bucket / (double) (1 << 20), sizes.length,
        sizes.length == 1 ? "" : "s", last, noOverlap ? "off" : "on");
    out.printf(Locale.ROOT, "compute c = %.4g ms/example (%s); n = %d → T_compute = %.3f ms/step%n",
        c * 1e3, computeSource, n, c * n * 1e3);
    out.printf(Locale.ROOT, "network α = %g s, β = %.4g bytes/s (%.3g Gbit/s); D = %,d examples, E = %g epochs%n",
        alpha, beta, beta * 8 / 1e9, d, epochs);
    out.println(CostModel.FORMULAS);
    out.println(CostModel.Prediction.header());
    for (int k : machines) {
      out.println(cost.predict(w, k).row());
    }
    out.flush();
    return 0;
  }
}
