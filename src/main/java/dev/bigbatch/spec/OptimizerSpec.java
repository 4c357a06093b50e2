package dev.bigbatch.spec;

import picocli.CommandLine.Option;

/**
 * The optimizer and its hyper-parameters; {@code optim.Optimizers.create} builds it. Each optimizer reads the fields it
 * needs (its Javadoc has the exact update rule).
 *
 * @param kind momentum SGD (Goyal), LARS (You, Gitman, Ginsburg), LAMB (You et al. 2020)
 * @param momentum m (SGD, LARS)
 * @param weightDecay λ (all; decoupled for LAMB)
 * @param nesterov SGD only
 * @param decayBiasAndNorm treat biases and BN γ/β like weights: weight decay (SGD) and also layer-wise adaptation
 *     (LARS/LAMB); off by default everywhere
 * @param trustCoefficient τ (LARS)
 * @param beta1 β1 (LAMB)
 * @param beta2 β2 (LAMB)
 * @param eps ε (LAMB)
 */
public record OptimizerSpec(Kind kind, double momentum, double weightDecay, boolean nesterov, boolean decayBiasAndNorm,
    double trustCoefficient, double beta1, double beta2, double eps) {
  /** Momentum SGD (Goyal), LARS (You, Gitman, Ginsburg), LAMB (You et al. 2020). */
  public enum Kind { SGD, LARS, LAMB }

  /** The LARS paper's τ. */
  public static final double DEFAULT_TRUST_COEFFICIENT = 0.001;

  public OptimizerSpec {
    Check.notNull(kind, "--optimizer");
    Check.fraction(momentum, "--momentum");
    Check.atLeastZero(weightDecay, "--weight-decay");
    Check.positive(trustCoefficient, "--trust-coefficient");
    Check.fraction(beta1, "--beta1");
    Check.fraction(beta2, "--beta2");
    Check.positive(eps, "--eps");
  }

  /** Defaults and CLI flags of {@link OptimizerSpec}. */
  public static final class Builder {
    @Option(names = "--optimizer", paramLabel = "KIND", description = "sgd (default; Goyal momentum SGD), lars, lamb")
    public Kind kind = Kind.SGD;

    @Option(names = "--momentum", description = "Momentum m, SGD and LARS (default ${DEFAULT-VALUE}).")
    public double momentum = 0.9;

    @Option(names = "--weight-decay", description = "Weight decay λ (LAMB: decoupled) (default ${DEFAULT-VALUE}).")
    public double weightDecay = 5e-4;

    @Option(names = "--no-nesterov", negatable = true, description = "Plain momentum instead of Nesterov (SGD only).")
    public boolean nesterov = true;

    @Option(names = "--decay-bias-and-norm", description = "Treat biases and BN γ/β like weights: weight decay (SGD) "
        + "and also layer-wise adaptation (LARS/LAMB); off by default.")
    public boolean decayBiasAndNorm;

    @Option(names = "--trust-coefficient", description = "LARS trust coefficient τ (default ${DEFAULT-VALUE}).")
    public double trustCoefficient = DEFAULT_TRUST_COEFFICIENT;

    @Option(names = "--beta1", description = "LAMB first-moment decay β1 (default ${DEFAULT-VALUE}).")
    public double beta1 = 0.9;

    @Option(names = "--beta2", description = "LAMB second-moment decay β2 (default ${DEFAULT-VALUE}).")
    public double beta2 = 0.999;

    @Option(names = "--eps", description = "LAMB ε added to sqrt(v̂) (default ${DEFAULT-VALUE}).")
    public double eps = 1e-6;

    public OptimizerSpec build() {
      return new OptimizerSpec(kind, momentum, weightDecay, nesterov, decayBiasAndNorm, trustCoefficient, beta1, beta2,
          eps);
    }
  }
}
