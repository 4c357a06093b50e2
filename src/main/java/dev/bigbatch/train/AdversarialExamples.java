package dev.bigbatch.train;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.model.Model;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * L∞ adversarial examples by signed input gradients (Goodfellow et al. 2015, FGSM; Madry et al. 2018, PGD),
 * the inner step of ConAdv ({@link ConAdv}). With parameters w, a batch x with labels y and K steps:
 *
 * <pre>
 *   x⁰ = x
 *   x^{j+1} = clip_{[x − ε, x + ε]}( x^j + a·sign(∇_x L(w; x^j, y)) ),   a = ε if K = 1, else 2.5·ε/K
 *   x̂ = x^K
 * </pre>
 *
 * K = 1 is exactly FGSM, x̂ = x + ε·sign(∇_x L(w; x, y)) (the clip turns the step a = ε into itself).
 * K &gt; 1 uses Madry's step 2.5·ε/K, so the iterate can reach the boundary of the ball. ε is in the
 * units of the model's input, i.e. after per-channel normalisation (x − μ)/σ; for Fashion-MNIST (σ ≈ 0.353)
 * ε = 0.1 is about 0.035 of the pixel range, 9/255. The result is not clipped to the valid pixel range.
 *
 * <p>L is the model's training loss: mean cross-entropy, with BN in training mode and per-n-slice
 * statistics (the caller sets the model's {@code ForwardContext}). The sign is invariant to the loss's
 * positive scale, so the normalisation (per chunk or over the global batch) does not matter. Only
 * ∇_x is computed ({@code torch::autograd::grad} with x as the only input): nothing is accumulated into
 * any parameter's {@code grad()}.
 */
public final class AdversarialExamples {
  /** Madry et al.'s PGD step relative to ε/K. */
  static final double PGD_STEP_FACTOR = 2.5;

  private AdversarialExamples() {}

  /**
   * The adversarial counterpart of {@code images} under {@code model}'s current parameters, computed in chunks
   * of {@code chunkExamples} (a multiple of the BN group size, so every n-slice stays whole).
   */
  public static Tensor perturb(Model model, Tensor images, Tensor labels, double epsilon, int steps,
      long chunkExamples) {
    if (!(epsilon > 0) || !Double.isFinite(epsilon) || steps < 1 || chunkExamples < 1) {
      throw new IllegalArgumentException("need epsilon > 0, steps >= 1, chunk >= 1; got " + epsilon + ", " + steps
          + ", " + chunkExamples);
    }
    long count = images.size(0);
    if (count <= chunkExamples) {
      return perturbChunk(model, images, labels, epsilon, steps);
    }
    TensorVector parts = new TensorVector();
    for (long from = 0; from < count; from += chunkExamples) {
      long len = Math.min(chunkExamples, count - from);
      try (PointerScope s = Memory.scope()) {
        parts.push_back(perturbChunk(model, images.narrow(0, from, len), labels.narrow(0, from, len), epsilon, steps));
      }
    }
    return torch.cat(parts);
  }

  private static Tensor perturbChunk(Model model, Tensor x, Tensor y, double epsilon, int steps) {
    double step = steps == 1 ? epsilon : PGD_STEP_FACTOR * epsilon / steps;
    Tensor clean = x.detach();
    Tensor lower = clean.sub(new Scalar(epsilon));
    Tensor upper = clean.add(new Scalar(epsilon));
    Tensor current = clean;
    for (int j = 0; j < steps; j++) {
      Tensor xj = current.detach().clone().requires_grad_(true);
      Tensor loss = torch.cross_entropy(model.forward(xj), y);
      Tensor grad = torch.grad(new TensorVector(loss), new TensorVector(xj)).get(0);
      Tensor moved = xj.detach().add(grad.sign(), new Scalar(step));
      current = torch.minimum(torch.maximum(moved, lower), upper);
    }
    return current;
  }
}
