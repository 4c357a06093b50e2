package dev.bigbatch.diag;

import java.util.Locale;

/**
 * The α-β (latency-bandwidth) model of one synchronous data-parallel step on N machines (Thakur,
 * Rabenseifner &amp; Gropp 2005). Sending m bytes costs α + m/β. For an allreduce of S bytes:
 *
 * <ul>
 *   <li>ring: T = 2(N−1)·α + 2(N−1)/N · S/β (reduce-scatter then allgather, N−1 steps each);
 *   <li>halving-doubling, N a power of two: T = 2·log2(N)·α + 2(N−1)/N · S/β;
 *   <li>halving-doubling, N = p + e with p the largest power of two below N (what
 *       {@code AllreduceHalvingDoubling} does): e ranks first fold their whole buffer into a partner and get the
 *       result back at the end, so T = 2·log2(p)·α + 2(p−1)/p · S/β + 2·(α + S/β).
 * </ul>
 *
 * The gradient goes out in b buckets (as {@code GradientBuckets.layout} cuts the model's parameters, or
 * ceil(S/bucket) of equal size); every bucket pays the latency term, the bandwidth term adds up to that of S. Without overlap the whole allreduce time is exposed. With overlap the
 * buckets are reduced while backward (a fraction {@code backwardFraction} of compute, ≈ 2/3 for conv nets)
 * still runs, so exposed = max(T(last bucket), T_comm − backwardFraction · T_compute): at best only the last
 * bucket's allreduce is left after backward. Step time = compute + exposed communication.
 *
 * @param alphaSeconds per-message latency α in seconds
 * @param betaBytesPerSecond link bandwidth β in bytes per second
 */
public record CostModel(double alphaSeconds, double betaBytesPerSecond) {
  /** Backward share of forward+backward compute (backward ≈ 2× forward). */
  public static final double BACKWARD_FRACTION = 2.0 / 3.0;

  public enum Algorithm { RING, HALVING_DOUBLING }

  /** The formulas as printed by {@code bigbatch plan}. */
  public static final String FORMULAS = String.join(System.lineSeparator(),
      "ring:              T(S) = 2(N-1)·α + 2(N-1)/N · S/β",
      "halving-doubling:  T(S) = 2·log2(N)·α + 2(N-1)/N · S/β            (N a power of two)",
      "                   T(S) = 2·log2(p)·α + 2(p-1)/p · S/β + 2(α + S/β) (N = p + e, p = 2^floor(log2 N): e ranks fold in/out)",
      "allreduce of S in b buckets (train's layout): T_comm = b·(latency term) + (bandwidth term of S), per algorithm, the cheaper one chosen",
      "exposed = T_comm (no overlap) or max(T(last bucket), T_comm − 2/3·T_compute) (overlap with backward)",
      "T_step(N) = n·c + exposed;  efficiency = T_step(1)/T_step(N) = n·c/T_step(N);  time = E·floor(D/(N·n))·T_step(N)");

  public CostModel {
    if (!(alphaSeconds >= 0) || Double.isInfinite(alphaSeconds)) {
      throw new IllegalArgumentException("--alpha must be a latency in seconds >= 0, got " + alphaSeconds);
    }
    if (!(betaBytesPerSecond > 0) || Double.isInfinite(betaBytesPerSecond)) {
      throw new IllegalArgumentException("--bandwidth must be positive bytes/s, got " + betaBytesPerSecond);
    }
  }

  /** Latency part of one allreduce on N machines. */
  public double latencySeconds(Algorithm a, int machines) {
    requireMachines(machines);
    if (machines == 1) {
      return 0;
    }
    return switch (a) {
      case RING -> 2.0 * (machines - 1) * alphaSeconds;
      case HALVING_DOUBLING -> {
        int p = Integer.highestOneBit(machines);
        yield 2.0 * log2(p) * alphaSeconds + (p == machines ? 0 : 2 * alphaSeconds);
      }
    };
  }

  /** Bandwidth part of one allreduce of {@code bytes} on N machines. */
  public double bandwidthSeconds(Algorithm a, int machines, double bytes) {
    requireMachines(machines);
    if (machines == 1) {
      return 0;
    }
    double perByte = bytes / betaBytesPerSecond;
    return switch (a) {
      case RING -> 2.0 * (machines - 1) / machines * perByte;
      case HALVING_DOUBLING -> {
        int p = Integer.highestOneBit(machines);
        yield 2.0 * (p - 1) / p * perByte + (p == machines ? 0 : 2 * perByte);
      }
    };
  }

  /** One allreduce of {@code bytes} on N machines. */
  public double allreduceSeconds(Algorithm a, int machines, double bytes) {
    return latencySeconds(a, machines) + bandwidthSeconds(a, machines, bytes);
  }

  /** Allreduce of {@code bytes} sent as ceil(bytes/bucketBytes) buckets, one after another. */
  public double bucketedSeconds(Algorithm a, int machines, long bytes, long bucketBytes) {
    return inBucketsSeconds(a, machines, bytes, Math.max(1, (bytes + bucketBytes - 1) / bucketBytes));
  }

  /** Allreduce of {@code bytes} in total sent as {@code buckets} buckets, one after another. */
  public double inBucketsSeconds(Algorithm a, int machines, long bytes, long buckets) {
    return buckets * latencySeconds(a, machines) + bandwidthSeconds(a, machines, bytes);
  }

  /** The algorithm with the smaller bucketed time (ring on ties). */
  public Algorithm choose(int machines, long bytes, long bucketBytes) {
    return bucketedSeconds(Algorithm.HALVING_DOUBLING, machines, bytes, bucketBytes)
        < bucketedSeconds(Algorithm.RING, machines, bytes, bucketBytes) ? Algorithm.HALVING_DOUBLING : Algorithm.RING;
  }

  /**
   * What one step and the whole run cost.
   *
   * @param computeSecondsPerExample forward+backward time per example on one machine (c)
   * @param perWorkerBatch n, fixed as N grows (weak scaling)
   * @param gradientBytes S, float32 gradient bytes = 4 × parameters
   * @param buckets how many buckets S goes out in (each pays the latency term)
   * @param lastBucketBytes the bucket backward fills last (with overlap, what is left after backward)
   * @param overlap whether allreduce overlaps backward
   * @param trainExamples D
   * @param epochs E
   */
  public record Workload(double computeSecondsPerExample, int perWorkerBatch, long gradientBytes, long buckets,
      long lastBucketBytes, boolean overlap, long trainExamples, double epochs) {
    public Workload {
      if (!(computeSecondsPerExample > 0) || perWorkerBatch <= 0 || gradientBytes < 0 || buckets <= 0
          || lastBucketBytes < 0 || lastBucketBytes > gradientBytes || trainExamples <= 0 || !(epochs > 0)) {
        throw new IllegalArgumentException("workload values must be positive: " + computeSecondsPerExample + " s/example, n="
            + perWorkerBatch + ", S=" + gradientBytes + " B, " + buckets + " buckets, last " + lastBucketBytes + " B, D="
            + trainExamples + ", E=" + epochs);
      }
    }

    /** S in equal buckets of {@code bucketBytes}: ceil(S/bucket) buckets, the last one min(S, bucket). */
    public Workload(double computeSecondsPerExample, int perWorkerBatch, long gradientBytes, long bucketBytes,
        boolean overlap, long trainExamples, double epochs) {
      this(computeSecondsPerExample, perWorkerBatch, gradientBytes, Math.max(1, (gradientBytes + bucketBytes - 1) / bucketBytes),
          Math.min(gradientBytes, bucketBytes), overlap, trainExamples, epochs);
    }

    public double computeSeconds() {
      return computeSecondsPerExample * perWorkerBatch;
    }
  }

  /** Prediction for N machines; times in seconds. */
  public record Prediction(int machines, Algorithm algorithm, double ringSeconds, double halvingDoublingSeconds,
      double computeSeconds, double exposedCommSeconds, long stepsPerEpoch, double epochs, double singleMachineStepSeconds) {
    public double stepSeconds() {
      return computeSeconds + exposedCommSeconds;
    }

    /** T_step(1)/T_step(N) at fixed per-worker batch. */
    public double efficiency() {
      return singleMachineStepSeconds / stepSeconds();
    }

    public double trainSeconds() {
      return epochs * stepsPerEpoch * stepSeconds();
    }

    public String row() {
      return String.format(Locale.ROOT, "%5d %9.3f %9.3f %-7s %9.2f %9.3f %9.2f %7.1f%% %8d %12s",
          machines, ringSeconds * 1e3, halvingDoublingSeconds * 1e3, algorithm == Algorithm.RING ? "ring" : "hd",
          computeSeconds * 1e3, exposedCommSeconds * 1e3, stepSeconds() * 1e3, 100 * efficiency(), stepsPerEpoch,
          stepsPerEpoch == 0 ? "N·n > D" : duration(trainSeconds()));
    }

    public static String header() {
      return String.format(Locale.ROOT, "%5s %9s %9s %-7s %9s %9s %9s %8s %8s %12s",
          "N", "ring ms", "hd ms", "choice", "comp ms", "exposed", "step ms", "eff", "steps/ep", "time");
    }
  }

  public Prediction predict(Workload w, int machines) {
    requireMachines(machines);
    double ring = inBucketsSeconds(Algorithm.RING, machines, w.gradientBytes(), w.buckets());
    double hd = inBucketsSeconds(Algorithm.HALVING_DOUBLING, machines, w.gradientBytes(), w.buckets());
    Algorithm a = hd < ring ? Algorithm.HALVING_DOUBLING : Algorithm.RING;
    double comm = Math.min(ring, hd);
    double compute = w.computeSeconds();
    double exposed = comm;
    if (w.overlap() && machines > 1) {
      exposed = Math.max(allreduceSeconds(a, machines, w.lastBucketBytes()), comm - BACKWARD_FRACTION * compute);
    }
    long steps = w.trainExamples() / ((long) machines * w.perWorkerBatch()); // last partial batch dropped
    return new Prediction(machines, a, ring, hd, compute, exposed, steps, w.epochs(), compute);
  }

  private static void requireMachines(int machines) {
    if (machines < 1) {
      throw new IllegalArgumentException("machines must be >= 1, got " + machines);
    }
  }

  private static double log2(int powerOfTwo) {
    return Integer.numberOfTrailingZeros(powerOfTwo);
  }

  static String duration(double seconds) {
    if (seconds < 120) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    if (seconds < 7200) {
      return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.2f h", seconds / 3600);
  }
}
