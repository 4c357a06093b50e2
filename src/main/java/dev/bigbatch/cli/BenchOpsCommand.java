package dev.bigbatch.cli;

import dev.bigbatch.cli.ResNetOps.LayerOp;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.Datasets;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.Split;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.ForwardContext;
import dev.bigbatch.model.GhostBatchNorm;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.ParamRegistry;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.train.TrainStep;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bigbatch bench ops}: where the training step's time goes. Times every distinct layer op of a
 * CIFAR ResNet at the shapes the step uses (convolutions, per-worker BN, ReLU, the head with the loss),
 * forward and forward+backward, then the optimizer step, zeroing the gradients and the whole step, in
 * bigbatch and in PyTorch ({@code bench/ops_reference.py}, the same list). At one thread the times are
 * the CPU time of the calling thread, which other processes' load barely changes; at more threads they
 * are wall-clock times.
 */
@Command(name = "ops", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Per-op profile of the training step (conv, BN, ReLU, head, optimizer) vs PyTorch.")
public final class BenchOpsCommand implements Callable<Integer> {
  @Option(names = "--model", description = "A CIFAR ResNet, resnet8 (default), resnet20, … (any 6n+2).", defaultValue = "resnet8")
  String model;

  @Option(names = "--width", description = "ResNet base width (default ${DEFAULT-VALUE}).", defaultValue = "16")
  int width;

  @Option(names = {"-n", "--batch-per-worker"}, description = "Per-worker batch n (default ${DEFAULT-VALUE}).", defaultValue = "32")
  int perWorkerBatch;

  @Option(names = {"-k", "--workers"}, description = "Virtual workers k (default ${DEFAULT-VALUE}).", defaultValue = "8")
  int workers;

  @Option(names = "--threads", description = "Intra-op threads (default ${DEFAULT-VALUE}: CPU time, robust to load).",
      defaultValue = "1")
  int threads;

  @Option(names = "--reps", description = "Timed repetitions per op; the median is reported (default ${DEFAULT-VALUE}).",
      defaultValue = "15")
  int reps;

  @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory for the whole step (default ${DEFAULT-VALUE}).",
      defaultValue = "/usr/share/datasets/fashion-mnist")
  Path data;

  @Option(names = "--python", description = "Python with PyTorch (default ${DEFAULT-VALUE}).", defaultValue = "/usr/bin/python3")
  String python;

  @Option(names = "--no-reference", description = "Profile bigbatch only.")
  boolean noReference;

  private static final TensorOptions FLOAT = new TensorOptions(ScalarType.Float);
  private static final ThreadMXBean THREAD = ManagementFactory.getThreadMXBean();

  /** One row: an op at one shape, how often the step runs it, and its medians in ms (NaN: not measured). */
  record Row(String name, int count, double fwdMs, double fwdBwdMs) {}

  @Override
  public Integer call() throws Exception {
    if (reps < 1 || threads < 1) {
      throw new IllegalArgumentException("--reps and --threads must be >= 1");
    }
    Torch.threads(threads);
    ImageDataset train = Datasets.idx(data, Split.TRAIN);
    List<LayerOp> ops = ResNetOps.of(model, width, train.channels(), train.height());
    long batch = (long) perWorkerBatch * workers;
    String unit = threads == 1 ? "thread CPU ms" : "wall ms";
    System.out.printf(Locale.ROOT, "bench ops: %s width %d, batch %d = %d x %d, %d thread(s); %s, median of %d;"
        + " OMP_WAIT_POLICY %s%n", model, width, batch, workers, perWorkerBatch, threads, unit, reps, Torch.ompWaitPolicy());

    Map<String, Row> ours = new LinkedHashMap<>();
    for (LayerOp op : ops) {
      ours.put(op.name(), timeLayer(op, batch));
    }
    for (Row r : wholeStep(train)) {
      ours.put(r.name(), r);
    }
    Map<String, Row> theirs = noReference ? Map.of()
        : OpsReference.run(python, model, width, perWorkerBatch, workers, threads, reps, System.out);
    print(ours, theirs);
    return 0;
  }

  private Row timeLayer(LayerOp op, long batch) {
    try (PointerScope scope = new PointerScope()) {
      Tensor x = torch.randn(new long[] {batch, op.in(), op.size(), op.size()}, FLOAT);
      ForwardContext ctx = new ForwardContext();
      ctx.bnGroupSize(perWorkerBatch);
      Supplier<Tensor> f = switch (op.kind()) {
        case CONV -> {
          Tensor w = torch.randn(new long[] {op.out(), op.in(), op.kernel(), op.kernel()}, FLOAT).set_requires_grad(true);
          long[] stride = {op.stride(), op.stride()};
          long[] pad = {op.kernel() / 2, op.kernel() / 2};
          yield () -> torch.conv2d(x, w, new TensorOptional(), stride, pad, new long[] {1, 1}, 1);
        }
        case BN -> {
          GhostBatchNorm bn = new GhostBatchNorm(new ParamRegistry(), "bn", op.in(), false, ctx);
          yield () -> bn.forward(x);
        }
        case RELU -> () -> torch.relu(x);
        case HEAD -> {
          Tensor w = torch.randn(new long[] {op.out(), op.in()}, FLOAT).mul_(new org.bytedeco.pytorch.Scalar(0.01))
              .set_requires_grad(true);
          Tensor b = torch.zeros(new long[] {op.out()}, FLOAT).set_requires_grad(true);
          Tensor y = torch.randint(0, op.out(), new long[] {batch}, new TensorOptions(ScalarType.Long));
          yield () -> torch.cross_entropy(torch.linear(x.mean(2, 3), w, new TensorOptional(b)), y);
        }
      };
      x.set_requires_grad(op.inputNeedsGrad());
      double fwd = median(() -> f.get());
      Tensor gy = torch.randn_like(f.get().detach());
      double fwdBwd = median(() -> {
        x.mutable_grad().reset(); // an activation's gradient flows on; it is not accumulated into a leaf
        f.get().backward(gy, new BoolOptional(), false, new TensorArrayRefOptional());
      });
      return new Row(op.name(), op.count(), fwd, fwdBwd);
    }
  }

  /** The optimizer step, zeroing the gradients and the trainer's whole step on a real batch. */
  private List<Row> wholeStep(ImageDataset train) {
    Batch b = BenchStepCommand.firstBatch(train, workers, perWorkerBatch);
    Torch.seed(1);
    Model net = Models.create(model, new Models.InputSpec(train.channels(), train.height(), train.width(), 10), width, true);
    net.context().bnGroupSize(perWorkerBatch);
    Sgd sgd = new Sgd(net.params(), new Sgd.Options(0.9, 5e-4, true, false, true));
    TrainStep step = TrainStep.singleProcess(net, sgd, perWorkerBatch, workers, train.channels(), train.height(),
        train.width());
    step.run(b, workers, 0.1); // gradients exist from here on
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("sgd step", 1, Double.NaN, median(() -> sgd.step(0.1))));
    rows.add(new Row("zero grad", 1, Double.NaN, median(() -> Optimizer.zeroGrad(net.params()))));
    rows.add(new Row("step", 1, Double.NaN, median(() -> step.run(b, workers, 0.1))));
    return rows;
  }

  private double median(Runnable r) {
    for (int i = 0; i < 2; i++) {
      try (PointerScope s = new PointerScope()) {
        r.run();
      }
    }
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long c0 = threads == 1 ? THREAD.getCurrentThreadCpuTime() : System.nanoTime();
      try (PointerScope s = new PointerScope()) {
        r.run();
      }
      t[i] = ((threads == 1 ? THREAD.getCurrentThreadCpuTime() : System.nanoTime()) - c0) / 1e6;
    }
    return BenchStepCommand.median(t);
  }

  private static void print(Map<String, Row> ours, Map<String, Row> theirs) {
    System.out.printf(Locale.ROOT, "%-28s %5s | %9s %9s | %9s %9s | %6s%n", "op", "count", "bb fwd", "bb f+b",
        "pt fwd", "pt f+b", "f+b bb/pt");
    double[] layerSum = new double[2];
    for (Row r : ours.values()) {
      Row p = theirs.get(r.name());
      double pf = p == null ? Double.NaN : p.fwdMs();
      double pfb = p == null ? Double.NaN : p.fwdBwdMs();
      System.out.printf(Locale.ROOT, "%-28s %5d | %9.2f %9.2f | %9.2f %9.2f | %6.2f%n", r.name(), r.count(), r.fwdMs(),
          r.fwdBwdMs(), pf, pfb, r.fwdBwdMs() / pfb);
      if (!Double.isNaN(r.fwdMs())) {
        layerSum[0] += r.count() * r.fwdBwdMs();
        layerSum[1] += r.count() * pfb;
      }
    }
    System.out.printf(Locale.ROOT, "%-28s %5s | %9s %9.2f | %9s %9.2f | %6.2f%n", "sum of layer ops x count", "", "",
        layerSum[0], "", layerSum[1], layerSum[0] / layerSum[1]);
  }
}
