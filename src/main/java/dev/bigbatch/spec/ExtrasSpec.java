package dev.bigbatch.spec;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * What a run may add to the plain step: label smoothing of its loss, ConAdv's adversarial objective, and the hidden
 * lockstep trace.
 *
 * @param conAdv ConAdv (Liu et al. 2022): also train on FGSM examples from one-step-stale parameters
 * @param conAdvEps ConAdv's L∞ radius ε in normalised input units (null: 0.1)
 * @param conAdvMix ConAdv's weight α of the adversarial loss (null: 0.5)
 * @param conAdvSteps ConAdv's sign-gradient steps (null: 1 = FGSM)
 * @param conAdvInline ConAdv on the main thread instead of concurrently (same results)
 * @param traceSteps record the first N steps for a lockstep replay (null: no trace); the run stops after them
 * @param traceDir the trace's directory
 * @param labelSmoothing ε of label-smoothed cross-entropy, in [0, 1); 0 is plain cross-entropy ({@code train.Loss})
 */
public record ExtrasSpec(boolean conAdv, Double conAdvEps, Double conAdvMix, Integer conAdvSteps, boolean conAdvInline,
    Integer traceSteps, Path traceDir, double labelSmoothing) {
  public ExtrasSpec {
    Check.require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1) (0: plain "
        + "cross-entropy, 0.1 is usual), got " + labelSmoothing);
    if (!conAdv) {
      String stray = conAdvEps != null ? "--conadv-eps" : conAdvMix != null ? "--conadv-mix"
          : conAdvSteps != null ? "--conadv-steps" : conAdvInline ? "--conadv-inline" : null;
      Check.require(stray == null, stray + " needs --conadv");
    }
    Check.require(conAdvEps == null || (conAdvEps > 0 && Double.isFinite(conAdvEps)), "--conadv-eps must be a "
        + "positive number (L∞ radius in normalised input units), got " + conAdvEps);
    Check.require(conAdvMix == null || (conAdvMix >= 0 && conAdvMix <= 1),
        "--conadv-mix must be in [0, 1] (weight of the adversarial loss), got " + conAdvMix);
    Check.require(conAdvSteps == null || conAdvSteps >= 1, "--conadv-steps must be >= 1 (1 = FGSM), got " + conAdvSteps);
    Check.require((traceSteps == null) == (traceDir == null), traceSteps == null ? "--trace-dir needs --trace-steps N"
        : "--trace-steps needs --trace-dir DIR");
    Check.require(traceSteps == null || traceSteps >= 1, "--trace-steps must be > 0, got " + traceSteps);
    Check.require(!(conAdv && traceSteps != null), "--trace-steps cannot be combined with --conadv: it records the "
        + "fixed global batch of a fresh run");
  }

  public double conAdvEpsilon() {
    return conAdvEps == null ? 0.1 : conAdvEps;
  }

  public double conAdvMixWeight() {
    return conAdvMix == null ? 0.5 : conAdvMix;
  }

  public int conAdvStepCount() {
    return conAdvSteps == null ? 1 : conAdvSteps;
  }

  public boolean traced() {
    return traceSteps != null;
  }

  /** Defaults and CLI flags of {@link ExtrasSpec}. */
  public static final class Builder {
    @Option(names = "--conadv", description = "ConAdv (Liu et al. 2022): also train on FGSM adversarial examples "
        + "computed from one-step-stale parameters on a background thread, mixed with the clean examples.")
    public boolean conAdv;

    @Option(names = "--conadv-eps", paramLabel = "EPS", description = "ConAdv L∞ radius ε in normalised input units, "
        + "i.e. after (x − mean)/std (default 0.1; about 9/255 of the pixel range on Fashion-MNIST).")
    public Double conAdvEps;

    @Option(names = "--conadv-mix", paramLabel = "ALPHA", description = "ConAdv weight α of the adversarial loss: "
        + "(1 − α)·clean + α·adversarial mean loss (default 0.5 = mean over clean and adversarial examples).")
    public Double conAdvMix;

    @Option(names = "--conadv-steps", paramLabel = "K", description = "ConAdv sign-gradient steps (1 = FGSM, default; "
        + "K > 1: PGD with step 2.5·ε/K).")
    public Integer conAdvSteps;

    @Option(names = "--conadv-inline", description = "ConAdv: compute the perturbation on the main thread instead of "
        + "concurrently (same results; for timing comparisons).")
    public boolean conAdvInline;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "Cross-entropy against labels smoothed "
        + "towards uniform: (1 − ε)·one-hot + ε/C, ε in [0, 1) (default ${DEFAULT-VALUE}: plain cross-entropy).")
    public double labelSmoothing;

    /**
     * Hidden: record the first N steps (initial state, each global batch, each state after the update) for a lockstep
     * replay by {@code bench/torch-reference/lockstep.py}; the run stops after them ({@code train.StepTrace}).
     */
    @Option(names = "--trace-steps", paramLabel = "N", hidden = true)
    public Integer traceSteps;

    /** Hidden: the directory of {@code --trace-steps} (created; must not hold an earlier trace). */
    @Option(names = "--trace-dir", paramLabel = "DIR", hidden = true)
    public Path traceDir;

    public ExtrasSpec build() {
      return new ExtrasSpec(conAdv, conAdvEps, conAdvMix, conAdvSteps, conAdvInline, traceSteps, traceDir, labelSmoothing);
    }
  }
}
