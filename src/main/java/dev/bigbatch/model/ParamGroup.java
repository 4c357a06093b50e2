package dev.bigbatch.model;

/**
 * How an optimizer may treat a parameter. Multi-dimensional weights (conv kernels, linear matrices)
 * take weight decay and layer-wise adaptation; 1-D parameters (biases, BN γ and β) are excluded by
 * default in the LARS line of work and from weight decay in Goyal et al.
 */
public enum ParamGroup {
  /** Conv and linear weight matrices. */
  WEIGHT,
  /** Biases and batch-norm γ/β. */
  BIAS_OR_NORM;

  public static ParamGroup ofShape(long[] shape) {
    return shape.length > 1 ? WEIGHT : BIAS_OR_NORM;
  }
}
