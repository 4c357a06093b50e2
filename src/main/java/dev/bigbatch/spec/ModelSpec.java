package dev.bigbatch.spec;

import dev.bigbatch.model.Models;
import picocli.CommandLine.Option;

/**
 * The network.
 *
 * @param architecture a built-in name ({@link Models#create}), or {@code user:<name>} for a model given through the
 *     Java API
 * @param width ResNet base width / MLP width unit / LSTM hidden size ÷ 8
 * @param zeroGamma initialise the last BN γ of each residual block to 0 (Goyal §5.1)
 */
public record ModelSpec(String architecture, int width, boolean zeroGamma) {
  /** Prefix of {@link #architecture} for models a program supplies. */
  public static final String USER_PREFIX = "user:";

  public ModelSpec {
    Check.notNull(architecture, "--model");
    if (!architecture.startsWith(USER_PREFIX)) {
      try {
        Models.check(architecture);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--model: " + e.getMessage(), e);
      }
    }
    Check.require(width > 0, "--width must be > 0, got " + width);
  }

  /** True for a model supplied through the Java API. */
  public boolean user() {
    return architecture.startsWith(USER_PREFIX);
  }

  /** Defaults and CLI flags of {@link ModelSpec}. */
  public static final class Builder {
    @Option(names = "--model", paramLabel = "NAME",
        description = "resnet8 (default), resnet20, resnet56 (any 6n+2), mlp, resnet50, lstm (over image rows)")
    public String architecture = "resnet8";

    @Option(names = "--width", description = "ResNet base width / MLP width unit / LSTM hidden size ÷ 8 (default ${DEFAULT-VALUE})")
    public int width = 16;

    @Option(names = "--no-zero-gamma", negatable = true,
        description = "Initialise the last BN γ of each residual block to 1 instead of 0.")
    public boolean zeroGamma = true;

    public ModelSpec build() {
      return new ModelSpec(architecture, width, zeroGamma);
    }
  }
}
