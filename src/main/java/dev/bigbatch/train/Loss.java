package dev.bigbatch.train;

import dev.bigbatch.spec.ExtrasSpec;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The per-example loss of the step's objective, as a function of one micro-batch slice's logits and labels.
 *
 * <p><b>Contract.</b> {@link #mean} returns a scalar tensor, differentiable in {@code logits}: the <em>mean</em>
 * over the m examples of the slice it is given (logits [m, C], labels [m] of class indices, int64). The step
 * weights each slice's mean by m/(k·n) ({@link VirtualWorkers}), so the gradients summed over slices, virtual
 * workers and processes are the mean over the global batch of k·n examples whatever the chunking; a loss that
 * returned a sum would scale the gradient with the chunk size instead. A slice is never empty.
 *
 * <p>Built-ins: {@link #CROSS_ENTROPY} (the default) and {@link #labelSmoothing}; a program supplies its own
 * through {@code job.Job.loss}.
 */
@FunctionalInterface
public interface Loss {
  /** The mean loss over the slice's examples (see the contract above). */
  Tensor mean(Tensor logits, Tensor labels);

  /** L = −log softmax(z)_y, averaged over the slice: LibTorch's {@code cross_entropy}. */
  Loss CROSS_ENTROPY = torch::cross_entropy;

  /**
   * Cross-entropy against labels smoothed towards the uniform distribution (Szegedy et al. 2016), PyTorch's
   * {@code label_smoothing} definition: with p = softmax(z) over C classes,
   *
   * <pre>
   *   L = (1 − ε)·(−log p_y) + ε·(1/C)·Σ_c (−log p_c)      averaged over the slice
   * </pre>
   *
   * @param epsilon ε in [0, 1); 0 returns {@link #CROSS_ENTROPY} itself (today's exact path)
   */
  static Loss labelSmoothing(double epsilon) {
    if (!(epsilon >= 0 && epsilon < 1)) {
      throw new IllegalArgumentException("label smoothing ε must be in [0, 1), got " + epsilon);
    }
    if (epsilon == 0) {
      return CROSS_ENTROPY;
    }
    return (logits, labels) -> {
      Tensor logp = torch.log_softmax(logits, 1);
      Tensor nll = logp.gather(1, labels.unsqueeze(1)).mean().neg();
      Tensor uniform = logp.mean().neg(); // mean over examples and classes = (1/C)·Σ_c, averaged
      return nll.mul(new Scalar(1 - epsilon)).add(uniform.mul(new Scalar(epsilon)));
    };
  }

  /** The built-in loss {@code extras} asks for: label smoothing when {@code --label-smoothing} is above 0. */
  static Loss of(ExtrasSpec extras) {
    return labelSmoothing(extras.labelSmoothing());
  }
}
