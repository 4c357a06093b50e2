package dev.bigbatch.autopilot;

import dev.bigbatch.data.EpochCursor;
import dev.bigbatch.diag.NoiseScale;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The decisions of {@code --batch auto}: when to measure the gradient noise scale and which number of
 * workers k to run at (global batch k·n, n fixed).
 *
 * <p><b>Windows.</b> A measurement window is {@code measureSteps} consecutive steps at one k. The first
 * opens at step 0; with {@code grow}, another opens at the first step of every later epoch. During a
 * window every step feeds |G_small|² (n examples) and |G_big|² (k·n examples) into a fresh
 * {@link NoiseScale} (B_small = n, B_big = k·n, bias-corrected EMA of the unbiased per-step estimates of
 * |G|² and tr(Σ); McCandlish et al. 2018, app. A.1); after the last step of the window the ratio
 * B_simple = tr(Σ)/|G|² decides. Outside windows nothing is measured (the probe costs one extra n-example
 * pass per step).
 *
 * <p><b>Rule</b> ({@link #choose}). Target k = B_simple / n, rounded to the nearest multiple of the process
 * count P (each process holds k/P workers), clamped to [kMin, kMax] where kMin = the smallest multiple of P
 * that is ≥ max(2, ceil(minBatch/n)) (the estimator needs B_big &gt; B_small = n) and
 * kMax = P·floor(min(maxBatch, N)/(P·n)). The
 * first decision may shrink or grow; later ones (grow) only grow. If the window's |G|² or tr(Σ) estimate is
 * not positive the ratio means nothing and k is kept (logged as such). Choosing k·n ≈ B_noise follows
 * McCandlish et al.: below B_noise a larger batch buys almost proportionally fewer steps; far above it,
 * almost nothing.
 */
public final class BatchAutopilot {
  /** What a finished window measured and what it decided. */
  public record Outcome(NoiseScale.Estimate estimate, int smallBatch, int bigBatch, int oldWorkers, int newWorkers,
      String reason) {}

  /** The chosen k and why. */
  public record Choice(int workers, String reason) {}

  private final AutoBatchSettings settings;
  private final int perWorkerBatch;
  private final int processes;
  private final int minWorkers;
  private final int maxWorkers;
  private int workers;
  private int decisions;
  private long lastWindowEpoch = -1;
  private NoiseScale window;

  /**
   * @param processes P; k stays a multiple of it
   * @param datasetSize N; bounds the batch
   * @param initialWorkers k for the first window ({@code --workers})
   */
  public BatchAutopilot(AutoBatchSettings settings, int perWorkerBatch, int processes, int datasetSize, int initialWorkers) {
    this.settings = settings;
    this.perWorkerBatch = perWorkerBatch;
    this.processes = processes;
    int floor = Math.max(2, (settings.minGlobalBatch() + perWorkerBatch - 1) / perWorkerBatch); // workers
    this.minWorkers = processes * ((floor + processes - 1) / processes);
    this.maxWorkers = processes * (int) (Math.min((long) settings.maxGlobalBatch(), datasetSize) / ((long) processes * perWorkerBatch));
    if (maxWorkers < minWorkers) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "--max-batch %d (and the dataset's %d examples) leave no room for the autopilot: it needs a global batch of at"
              + " least %d workers x n=%d = %d (--min-batch, and 2 workers to measure); raise --max-batch or lower -n",
          settings.maxGlobalBatch(), datasetSize,
          minWorkers, perWorkerBatch, minWorkers * perWorkerBatch));
    }
    if (initialWorkers < 2 || initialWorkers % processes != 0) {
      throw new IllegalArgumentException("--batch auto measures at the starting --workers " + initialWorkers
          + ", which must be >= 2 and a multiple of the " + processes + " processes (B_big = k·n must exceed B_small = n)");
    }
    this.workers = initialWorkers;
  }

  /** k for the next step. */
  public int workers() {
    return workers;
  }

  public int minWorkers() {
    return minWorkers;
  }

  public int maxWorkers() {
    return maxWorkers;
  }

  /** True while a window is open: the step about to run must be measured. */
  public boolean measuring() {
    return window != null;
  }

  /** Opens a window if one is due at the step that starts at {@code start} (see the class comment). */
  public void beforeStep(EpochCursor.Position start) {
    if (window != null) {
      return;
    }
    boolean first = decisions == 0 && lastWindowEpoch < 0;
    boolean epochStart = settings.grow() && start.stepInEpoch() == 0 && start.epoch() > lastWindowEpoch;
    if (first || epochStart) {
      window = new NoiseScale(perWorkerBatch, workers * perWorkerBatch, settings.emaDecay());
      lastWindowEpoch = start.epoch();
    }
  }

  /**
   * Adds a measured step's squared norms; when this completes the window, decides, updates
   * {@link #workers()} and returns the outcome, otherwise returns null.
   */
  public Outcome afterStep(double smallNormSq, double bigNormSq) {
    if (window == null) {
      throw new IllegalStateException("no measurement window is open");
    }
    window.add(smallNormSq, bigNormSq);
    NoiseScale.Estimate e = window.estimate();
    if (e.steps() < settings.measureSteps()) {
      return null;
    }
    int before = workers;
    Choice c = choose(e.bSimple(), e.gradNormSq(), e.traceSigma(), before, decisions > 0);
    Outcome o = new Outcome(e, window.smallBatch(), window.bigBatch(), before, c.workers(), c.reason());
    workers = c.workers();
    decisions++;
    window = null;
    return o;
  }

  /** The rule of the class comment, for a window that measured (bSimple, |G|², tr(Σ)) at k = {@code current}. */
  Choice choose(double bSimple, double gradNormSq, double traceSigma, int current, boolean onlyGrow) {
    String kind = onlyGrow ? "grow" : "initial";
    if (!(gradNormSq > 0) || !(traceSigma > 0) || !Double.isFinite(bSimple)) {
      return new Choice(current, kind + ": kept, estimate not usable (|G|^2 or tr(Sigma) <= 0)");
    }
    double target = bSimple / perWorkerBatch;
    long rounded = processes * Math.max(1L, Math.round(target / processes));
    int k = (int) Math.max(minWorkers, Math.min(maxWorkers, rounded));
    String reason = kind;
    if (rounded > maxWorkers) {
      reason += ", clamped to --max-batch/dataset";
    } else if (rounded < minWorkers) {
      reason += ", clamped to the minimum of " + minWorkers + " workers";
    }
    if (onlyGrow && k < current) {
      return new Choice(current, kind + ": kept, grow only (B_simple suggests " + k * perWorkerBatch + ")");
    }
    return new Choice(k, reason);
  }

  /**
   * The state a checkpoint must carry so a resumed run decides exactly as an uninterrupted one (checkpoint
   * section {@code autopilot}): k, decisions taken, the epoch of the last window, and the open window's noise-scale
   * EMA state ({@link NoiseScale#state()}, empty outside a window).
   */
  public record Snapshot(int workers, int decisions, long lastWindowEpoch, List<Double> window) {
    public Snapshot {
      if (workers <= 0 || decisions < 0) {
        throw new IllegalArgumentException("workers " + workers + " and decisions " + decisions + " are impossible");
      }
      window = List.copyOf(window);
      if (!window.isEmpty() && window.size() != WINDOW_STATE) {
        throw new IllegalArgumentException("window state has " + window.size() + " values, not " + WINDOW_STATE);
      }
    }
  }

  private static final int WINDOW_STATE = 4;

  /** The state a checkpoint must carry so a resumed run decides exactly as an uninterrupted one. */
  public Snapshot state() {
    List<Double> w = new ArrayList<>();
    if (window != null) {
      for (double x : window.state()) {
        w.add(x);
      }
    }
    return new Snapshot(workers, decisions, lastWindowEpoch, w);
  }

  /** Continues from {@link #state()}. */
  public void restore(Snapshot m) {
    workers = m.workers();
    if (workers % processes != 0) {
      throw new IllegalArgumentException("checkpoint has " + workers + " workers, not a multiple of the " + processes
          + " processes of this run; resume with the same number of processes");
    }
    decisions = m.decisions();
    lastWindowEpoch = m.lastWindowEpoch();
    window = null;
    if (!m.window().isEmpty()) {
      window = new NoiseScale(perWorkerBatch, workers * perWorkerBatch, settings.emaDecay());
      window.restore(m.window().stream().mapToDouble(Double::doubleValue).toArray());
    }
  }

}
