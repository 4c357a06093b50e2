package dev.bigbatch.train;



import dev.bigbatch.spec.ExtrasSpec;
import dev.bigbatch.spec.JobSpec;
import java.util.Map;


import dev.bigbatch.data.Batch;
import dev.bigbatch.data.Dataset;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ForwardContext;
import dev.bigbatch.model.Model;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * ConAdv, concurrent adversarial learning (Liu, Chen, Cheng, Hsieh, You, "Concurrent Adversarial Learning
 * for Large-Batch Training", ICLR 2022): every step trains on its clean batch and on adversarial versions of
 * it; the adversarial examples are computed with parameters one step stale (τ = 1), so that their
 * gradient computation does not have to wait for the current step and can run concurrently with the
 * previous step's forward/backward.
 *
 * <p><b>Update.</b> With w_t the parameters step t's forward/backward sees, x_t this process' slice of the
 * step's batch (k_local workers × n), K = {@code steps}, α = {@code mix}, L̄ the mean of the run's {@link Loss}
 * (cross-entropy unless {@code --label-smoothing} or a program's loss) over the global batch of k·n examples:
 *
 * <pre>
 *   x̂_t = AdversarialExamples.perturb(w_{t−1}; x_t)        = x_t + ε·sign(∇_x L(w_{t−1}; x_t))  for K = 1
 *   g_t = (1 − α)·∇_w L̄(w_t; x_t) + α·∇_w L̄(w_t; x̂_t)    (summed over processes by the usual allreduce)
 *   w_{t+1} = optimizer step of g_t at η_t                  (SGD, LARS or LAMB, unchanged)
 * </pre>
 *
 * α = 1/2 (the default) is the plain mean over the 2·k·n clean and adversarial examples, each counted
 * once. We chose the mean rather than the sum L(x) + L(x̂) so that η keeps its meaning with and without
 * ConAdv (the sum would double the gradient at the same η). At step 0 there is no w_{−1}: x̂_0 uses w_0.
 *
 * <p><b>Timeline</b> (one process; the stale copy is a second model of the same architecture):
 *
 * <pre>
 *                      step t−1                                   step t
 *   main    ──┬─ snapshot ─┬── fwd/bwd(w_{t−1}; x_{t−1}, x̂_{t−1}) ─ allreduce ─ update ──┬─ wait x̂_t ─┬─ snapshot ─┬── fwd/bwd(w_t; x_t, x̂_t) ─ …
 *             │ stale:=w_{t−1}                                                        │            │ stale:=w_t
 *   conadv    └────────────┴── x̂_t = perturb(stale = w_{t−1}; x_t) ──────────── done ─┘            └── x̂_{t+1} = perturb(w_t; x_{t+1}) ─ …
 * </pre>
 *
 * The snapshot stale := w_t is a copy taken at the start of step t, after step t−1's update and before
 * step t's forward; it is needed because the optimizer updates the main parameters in place while the
 * background perturbation may still be reading. It can only be taken once x̂_t (computed from the
 * previous snapshot w_{t−1}) is done, so the main thread waits for that future first. Batch t+1 is known
 * in advance: it is taken from the trainer's batches one step early ({@link #next}). In inline mode ({@code concurrent =
 * false}) the same perturbation runs on the main thread at the same point, so results are identical and
 * only the timing differs.
 *
 * <p><b>BN.</b> The stale copy runs in training mode with per-n-slice batch statistics, like the main
 * model sees x_t in training, so ∇_x is the gradient of the training loss; its running statistics are
 * neither used nor updated ({@link ForwardContext#trackStatistics}). Eval mode would use running
 * statistics that early in training are far from the batch statistics the step normalises with. In the
 * main model the adversarial examples are normalised per n-slice with their own batch statistics (a
 * worker's adversarial examples never share BN statistics with its clean ones, as in AdvProp's separate
 * BN, but with shared γ/β) and do not feed the running statistics, which stay those of clean data.
 *
 * <p><b>Gradients.</b> The stale copy's parameters do not require grad and ∇_x is taken with
 * {@code autograd::grad}: nothing reaches any parameter's {@code grad()}, and the two threads build
 * separate autograd graphs. Under P processes each perturbs its own slice (its stale copy equals every
 * other's, since parameters are replicated).
 *
 * <p><b>Resume.</b> A checkpoint taken after step s holds the stale copy w_s ({@link #staleState}), the
 * parameters x̂_{s+1} is made from; {@link #restoreStale} puts it back, so the first resumed step
 * perturbs with w_s instead of its own w_{s+1} and the run equals the uninterrupted one.
 */
public final class ConAdv implements Objective, AutoCloseable {
  /** Sees each step's clean and adversarial inputs (tests, diagnostics). */
  @FunctionalInterface
  interface Observer {
    void onStep(Tensor clean, Tensor labels, Tensor adversarial);
  }

  private final double epsilon; // ε, L∞ radius in normalised input units (--conadv-eps)
  private final double mix; // α, the weight of the adversarial loss (--conadv-mix)
  private final int steps; // K sign-gradient steps; 1 = FGSM (--conadv-steps)
  private final boolean concurrent; // perturb on a background thread (default) or inline (--conadv-inline)
  private final Loss loss; // L of the training objective; the perturbation ascends cross-entropy
  private final Model main;
  private final StaleCopy stale;
  private final int perWorkerBatch;
  private final int workersPerChunk;
  private final long[] exampleShape;
  private final ExecutorService executor; // null in inline mode
  private final AtomicLong perturbNanos = new AtomicLong();
  private long waitNanos;
  private Batch lookahead; // batch t+1, being perturbed by `pending`
  private boolean staleRestored; // the stale copy came from a checkpoint: the first step perturbs with it
  private Future<Tensor> pending;
  private Tensor current; // x̂_t of the step in progress; released after its forward/backward
  private Observer observer;

  /**
   * The objective with the built-in loss {@code config} names ({@link Loss#of}).
   *
   * @param config a {@code --conadv} job: ε, α, K and concurrency from {@link JobSpec#extras()}
   * @param stale a second instance of {@code main}'s architecture (its values are overwritten); owned by
   *     this object from now on
   */
  public ConAdv(JobSpec config, Dataset train, Model main, Model stale) {
    this(config, train, main, stale, Loss.of(Objects.requireNonNull(config, "config").extras()));
  }

  /** For in-memory images ({@link ImageDataset}): only their shape matters here. */
  public ConAdv(JobSpec config, ImageDataset train, Model main, Model stale) {
    this(config, train, main, stale, Loss.of(Objects.requireNonNull(config, "config").extras()));
  }

  /** The objective with {@code loss} on clean and adversarial examples (see the class comment). */
  public ConAdv(JobSpec config, Dataset train, Model main, Model stale, Loss loss) {
    this(config, new long[] {train.channels(), train.height(), train.width()}, main, stale, loss);
  }

  /** {@link #ConAdv(JobSpec, Dataset, Model, Model, Loss)} for in-memory images. */
  public ConAdv(JobSpec config, ImageDataset train, Model main, Model stale, Loss loss) {
    this(config, new long[] {train.channels(), train.height(), train.width()}, main, stale, loss);
  }

  private ConAdv(JobSpec config, long[] exampleShape, Model main, Model stale, Loss loss) {
    this.loss = Objects.requireNonNull(loss, "loss");
    ExtrasSpec x = Objects.requireNonNull(config, "config").extras();
    if (!x.conAdv()) {
      throw new IllegalArgumentException("ConAdv needs a job with --conadv");
    }
    this.epsilon = x.conAdvEpsilon();
    this.mix = x.conAdvMixWeight();
    this.steps = x.conAdvStepCount();
    this.concurrent = !x.conAdvInline();
    this.main = main;
    this.perWorkerBatch = config.batch().perWorker();
    this.workersPerChunk = config.batch().chunkWorkers();
    this.exampleShape = exampleShape;
    this.stale = new StaleCopy(main, stale, perWorkerBatch);
    this.executor = concurrent ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bigbatch-conadv");
      t.setDaemon(true); // a forgotten close() must not keep the JVM alive
      return t;
    }) : null;
  }

  /** The settings in one line, e.g. {@code conadv(eps=0.100000 mix=0.500000 steps=1 concurrent)}. */
  public String settings() {
    return String.format(Locale.ROOT, "conadv(eps=%g mix=%g steps=%d %s)", epsilon, mix, steps,
        concurrent ? "concurrent" : "inline");
  }

  void observer(Observer o) {
    this.observer = o;
  }

  /**
   * The step's clean batch, with x̂_t ready for {@link #forwardBackward}; starts x̂_{t+1} from a snapshot of
   * the current parameters w_t when {@code anotherStep}. Call at the start of step t, after step t−1's update.
   */
  @Override
  public Batch next(Batches data, boolean anotherStep) throws InterruptedException {
    Batch batch;
    if (lookahead == null) { // the run's first step: w_{t−1} from the checkpoint, or none yet: perturb with w_t
      batch = data.next();
      if (!staleRestored) {
        stale.snapshot();
      }
      staleRestored = false;
      current = perturb(batch);
    } else {
      batch = lookahead;
      current = await(pending);
    }
    lookahead = null;
    pending = null;
    if (anotherStep) {
      stale.snapshot(); // stale := w_t; the previous snapshot's user (x̂_t) is done
      Batch ahead = data.next();
      lookahead = ahead;
      pending = executor == null ? CompletableFuture.completedFuture(perturb(ahead)) : executor.submit(() -> perturb(ahead));
    }
    return batch;
  }

  /** Yes: batch t+1 is taken during step t, to be perturbed while step t runs. */
  @Override
  public boolean readsAhead() {
    return true;
  }

  /** {@link #forwardBackward(Tensor, Tensor, int, int, GradientSync)} as the step calls it; {@code model} is the main one. */
  @Override
  public VirtualWorkers.Result forwardBackward(Model model, Tensor images, Tensor labels, VirtualWorkers.Layout workers,
      GradientSync sync) {
    if (model != main || workers.perWorker() != perWorkerBatch || workers.perChunk() != workersPerChunk) {
      throw new IllegalArgumentException("ConAdv was built for another model or worker layout (n=" + perWorkerBatch
          + ", " + workersPerChunk + " workers per chunk)");
    }
    return forwardBackward(images, labels, workers.local(), workers.total(), sync);
  }

  /**
   * Forward/backward of the main model on this process' k clean n-slices and their adversarial
   * counterparts: accumulates g_t (see the class comment) into the parameters' grad(), weighted so that
   * the replicas' sum is the global mean. Returns this process' share of the mixed objective
   * (1 − α)·L̄(x_t) + α·L̄(x̂_t) and the count of correctly classified clean examples.
   */
  VirtualWorkers.Result forwardBackward(Tensor images, Tensor labels, int k, int totalWorkers, GradientSync sync) {
    Objects.requireNonNull(current, "next() must come first");
    try {
      if (observer != null) {
        observer.onStep(images, labels, current);
      }
      return forwardBackward(images, current, labels, k, totalWorkers, sync);
    } finally {
      current.releaseReference();
      current = null;
    }
  }

  /** {@link #forwardBackward(Tensor, Tensor, int, int, GradientSync)} with the adversarial batch given. */
  VirtualWorkers.Result forwardBackward(Tensor images, Tensor adversarial, Tensor labels, int k, int totalWorkers,
      GradientSync sync) {
    int n = perWorkerBatch;
    if (images.size(0) != (long) k * n || adversarial.size(0) != images.size(0)) {
      throw new IllegalArgumentException("expected " + (long) k * n + " clean and adversarial examples, got "
          + images.size(0) + " and " + adversarial.size(0));
    }
    long global = (long) totalWorkers * n;
    ForwardContext ctx = main.context();
    ctx.bnGroupSize(n);
    Tensor[] inputs = {images, adversarial};
    double[] weights = {1 - mix, mix};
    double share = 0; // this process' share of the objective
    long correct = 0;
    try {
      for (int part = 0; part < 2; part++) {
        ctx.trackStatistics(part == 0); // running statistics stay those of clean data
        for (int w = 0; w < k; w += workersPerChunk) {
          try (PointerScope chunkScope = Memory.scope()) {
            long chunk = (long) Math.min(workersPerChunk, k - w) * n;
            Tensor x = inputs[part].narrow(0, (long) w * n, chunk);
            Tensor y = labels.narrow(0, (long) w * n, chunk);
            Tensor logits = main.forward(x);
            Tensor weighted = loss.mean(logits, y).mul(new Scalar(weights[part] * ((double) chunk / global)));
            if (part == 1 && w + workersPerChunk >= k) {
              sync.beforeLastBackward();
            }
            weighted.backward();
            share += weighted.item_double();
            if (part == 0) {
              try (NoGradGuard g = new NoGradGuard()) {
                correct += logits.argmax(new LongOptional(1), false).eq(y).sum().item_long();
              }
            }
          }
        }
      }
    } finally {
      ctx.trackStatistics(true);
    }
    ctx.commitStatistics();
    return new VirtualWorkers.Result(share, correct);
  }

  /** The checkpoint's tensor section of the stale copy. */
  static final String SECTION = "conadv";

  /** The stale copy's parameters and BN buffers for a checkpoint taken at a step boundary. */
  Map<String, Tensor> staleState() {
    return stale.state();
  }

  /** Puts back the stale copy a checkpoint saved ({@link #staleState}); call before the first step. */
  void restoreStale(Map<String, float[]> tensors) {
    stale.restore(tensors);
    staleRestored = true;
  }

  /** x̂ of {@code batch} under the stale copy; the result outlives the scope and is released after its step. */
  private Tensor perturb(Batch batch) {
    long t0 = System.nanoTime();
    try (PointerScope scope = Memory.scope()) {
      long[] shape = new long[4];
      shape[0] = batch.count();
      System.arraycopy(exampleShape, 0, shape, 1, 3);
      Tensor x = Tensors.fromFloats(batch.images(), shape);
      Tensor y = Tensors.fromLongs(batch.labels());
      Tensor adversarial = AdversarialExamples.perturb(stale.model(), x, y, epsilon, steps,
          (long) workersPerChunk * perWorkerBatch);
      return Memory.keep(adversarial);
    } finally {
      perturbNanos.addAndGet(System.nanoTime() - t0);
    }
  }

  private Tensor await(Future<Tensor> f) throws InterruptedException {
    long t0 = System.nanoTime();
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("adversarial perturbation failed: " + cause, cause);
    } finally {
      waitNanos += System.nanoTime() - t0;
    }
  }

  /** Seconds spent computing perturbations (either thread) and seconds the main thread waited for them. */
  public String summary() {
    return String.format(Locale.ROOT, "%s: perturbation %.2f s in all, main thread waited %.2f s for it", settings(),
        perturbNanos.get() / 1e9, waitNanos / 1e9);
  }

  /** Waits for a perturbation still running (never leaves it behind) and stops the background thread. */
  @Override
  public void close() {
    boolean interrupted = false;
    if (pending != null) {
      try {
        pending.get().releaseReference();
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | RuntimeException e) {
        // the run is ending anyway; its own failure has been reported
      }
      pending = null;
    }
    if (current != null) {
      current.releaseReference();
      current = null;
    }
    if (executor != null) {
      executor.shutdown();
      while (true) {
        try {
          if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
