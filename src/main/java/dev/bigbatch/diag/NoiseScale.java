package dev.bigbatch.diag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gradient noise scale B_simple = tr(Σ)/|G|² (McCandlish et al. 2018, appendix A.1) from the squared
 * norms of gradients at two batch sizes: {@code smallBatch} (one worker's n examples, before
 * allreduce) and {@code bigBatch} (the k·n global mean, after). Per step the unbiased estimates are
 *
 * <pre>
 *   |G|²   ≈ (B_big·|G_big|² − B_small·|G_small|²) / (B_big − B_small)
 *   tr(Σ)  ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
 * </pre>
 *
 * Each is noisy (either can be negative for one step), so both are averaged with a bias-corrected
 * exponential moving average before the ratio is taken. The critical batch size is about B_simple.
 */
public final class NoiseScale {
  /** Averaged estimates after {@code steps} observations; {@code bSimple} is NaN until |G|² &gt; 0. */
  public record Estimate(long steps, double gradNormSq, double traceSigma, double bSimple) {}

  private final int smallBatch;
  private final int bigBatch;
  private final double decay;
  private double emaGradNormSq;
  private double emaTrace;
  private double emaWeight;
  private long steps;

  /**
   * @param smallBatch examples behind the small gradient (n)
   * @param bigBatch examples behind the big gradient (k·n), larger than smallBatch
   * @param decay EMA decay per step in [0, 1); 0.99 averages over about 100 steps
   */
  public NoiseScale(int smallBatch, int bigBatch, double decay) {
    if (smallBatch < 1 || bigBatch <= smallBatch) {
      throw new IllegalArgumentException("noise scale needs 1 <= small batch < big batch, got small=" + smallBatch
          + " big=" + bigBatch + "; use at least 2 workers");
    }
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
    }
    this.smallBatch = smallBatch;
    this.bigBatch = bigBatch;
    this.decay = decay;
  }

  /** Unbiased one-step estimate of |G|² (the true gradient's squared norm). */
  public static double gradNormSq(int smallBatch, int bigBatch, double smallNormSq, double bigNormSq) {
    return ((double) bigBatch * bigNormSq - (double) smallBatch * smallNormSq) / (bigBatch - smallBatch);
  }

  /** Unbiased one-step estimate of tr(Σ) (the per-example gradient covariance's trace). */
  public static double traceSigma(int smallBatch, int bigBatch, double smallNormSq, double bigNormSq) {
    return (smallNormSq - bigNormSq) / (1.0 / smallBatch - 1.0 / bigBatch);
  }

  /**
   * The estimate from the plain means of the one-step estimates over {@code smallNormSq.length} steps (no EMA):
   * B_simple of one phase of training, e.g. one epoch. NaN B_simple where the mean |G|² is not positive.
   */
  public static Estimate mean(int smallBatch, int bigBatch, double[] smallNormSq, double[] bigNormSq) {
    if (smallNormSq.length != bigNormSq.length || smallNormSq.length == 0) {
      throw new IllegalArgumentException("need equally many (and some) small and big norms, got "
          + smallNormSq.length + " and " + bigNormSq.length);
    }
    double g2 = 0;
    double trace = 0;
    for (int i = 0; i < smallNormSq.length; i++) {
      g2 += gradNormSq(smallBatch, bigBatch, smallNormSq[i], bigNormSq[i]);
      trace += traceSigma(smallBatch, bigBatch, smallNormSq[i], bigNormSq[i]);
    }
    g2 /= smallNormSq.length;
    trace /= smallNormSq.length;
    return new Estimate(smallNormSq.length, g2, trace, g2 > 0 ? trace / g2 : Double.NaN);
  }

  /** {@link #mean} over each run of {@code stepsPerPhase} consecutive steps (the last run may be shorter). */
  public static List<Estimate> phases(int smallBatch, int bigBatch, double[] smallNormSq, double[] bigNormSq,
      int stepsPerPhase) {
    if (stepsPerPhase < 1) {
      throw new IllegalArgumentException("steps per phase must be >= 1, got " + stepsPerPhase);
    }
    List<Estimate> out = new ArrayList<>();
    for (int lo = 0; lo < smallNormSq.length; lo += stepsPerPhase) {
      int hi = Math.min(smallNormSq.length, lo + stepsPerPhase);
      out.add(mean(smallBatch, bigBatch, Arrays.copyOfRange(smallNormSq, lo, hi), Arrays.copyOfRange(bigNormSq, lo, hi)));
    }
    return out;
  }

  /** Adds one step's squared norms |G_small|² and |G_big|². */
  public void add(double smallNormSq, double bigNormSq) {
    if (!Double.isFinite(smallNormSq) || !Double.isFinite(bigNormSq)) {
      throw new IllegalArgumentException("gradient norms must be finite, got small=" + smallNormSq + " big=" + bigNormSq);
    }
    emaGradNormSq = decay * emaGradNormSq + (1 - decay) * gradNormSq(smallBatch, bigBatch, smallNormSq, bigNormSq);
    emaTrace = decay * emaTrace + (1 - decay) * traceSigma(smallBatch, bigBatch, smallNormSq, bigNormSq);
    emaWeight = decay * emaWeight + (1 - decay);
    steps++;
  }

  public Estimate estimate() {
    if (steps == 0) {
      return new Estimate(0, Double.NaN, Double.NaN, Double.NaN);
    }
    double g2 = emaGradNormSq / emaWeight;
    double trace = emaTrace / emaWeight;
    return new Estimate(steps, g2, trace, g2 > 0 ? trace / g2 : Double.NaN);
  }

  /** The running sums {EMA of |G|², EMA of tr(Σ), EMA weight, steps}, so a checkpoint can carry them. */
  public double[] state() {
    return new double[] {emaGradNormSq, emaTrace, emaWeight, steps};
  }

  /** Continues from sums returned by {@link #state()} of an estimator with the same batches and decay. */
  public void restore(double[] state) {
    if (state.length != 4 || !(state[3] >= 0)) {
      throw new IllegalArgumentException("noise-scale state needs 4 values with steps >= 0, got " + state.length);
    }
    emaGradNormSq = state[0];
    emaTrace = state[1];
    emaWeight = state[2];
    steps = (long) state[3];
  }

  public int smallBatch() {
    return smallBatch;
  }

  public int bigBatch() {
    return bigBatch;
  }
}
