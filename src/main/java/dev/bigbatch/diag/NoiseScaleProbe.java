package dev.bigbatch.diag;

import dev.bigbatch.engine.Memory;
import dev.bigbatch.model.ModelBuffer;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.train.GradientObserver;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Feeds {@link NoiseScale} from the trainer: per step, |G_big|² is the squared norm of the global-mean
 * gradient the optimizer is about to apply (k·n examples), and |G_small|² that of one worker's
 * gradient — the first n-slice's mean loss, differentiated in an extra forward/backward (what a
 * worker holds before allreduce). The probe restores the gradients and the BN running statistics
 * afterwards, so training is unchanged; the cost is one n-example pass per step.
 */
public final class NoiseScaleProbe implements GradientObserver {
  /** One step's squared norms and the running estimate after adding them. */
  public record Sample(long step, double smallNormSq, double bigNormSq, double bSimple) {}

  private final NoiseScale estimator;
  private final int perWorkerBatch;
  private final List<Sample> samples = new ArrayList<>();

  public NoiseScaleProbe(int perWorkerBatch, int globalBatch, double emaDecay) {
    this.estimator = new NoiseScale(perWorkerBatch, globalBatch, emaDecay);
    this.perWorkerBatch = perWorkerBatch;
  }

  @Override
  public void afterBackward(long step, Model model, Tensor images, Tensor labels) {
    double[] norms = squaredNorms(model, images, labels, perWorkerBatch);
    estimator.add(norms[0], norms[1]);
    samples.add(new Sample(step, norms[0], norms[1], estimator.estimate().bSimple()));
  }

  /**
   * {|G_small|², |G_big|²}: the squared norm of the gradient of the first {@code smallBatch} rows'
   * mean loss (one extra forward/backward), and of the gradients the parameters hold now. Leaves the
   * gradients and BN buffers exactly as it found them.
   */
  public static double[] squaredNorms(Model model, Tensor images, Tensor labels, int smallBatch) {
    List<ModelParameter> params = model.params();
    try (PointerScope scope = Memory.scope()) {
      double big = squaredNorm(params);
      List<Tensor> savedGrads = new ArrayList<>();
      List<Tensor> savedBuffers = new ArrayList<>();
      try (NoGradGuard g = new NoGradGuard()) {
        for (ModelParameter p : params) {
          Tensor grad = p.value().grad();
          savedGrads.add(grad.defined() ? grad.clone() : null);
          if (grad.defined()) {
            grad.zero_();
          }
        }
        for (ModelBuffer b : model.buffers()) {
          savedBuffers.add(b.value().clone());
        }
      }
      Tensor x = images.narrow(0, 0, smallBatch);
      Tensor y = labels.narrow(0, 0, smallBatch);
      torch.cross_entropy(model.forward(x), y).backward();
      double small = squaredNorm(params);
      model.context().commitStatistics(); // drops this slice's pending BN update; the copy below undoes it
      try (NoGradGuard g = new NoGradGuard()) {
        for (int i = 0; i < params.size(); i++) {
          if (savedGrads.get(i) != null) {
            params.get(i).value().grad().copy_(savedGrads.get(i));
          }
        }
        List<ModelBuffer> buffers = model.buffers();
        for (int i = 0; i < buffers.size(); i++) {
          buffers.get(i).value().copy_(savedBuffers.get(i));
        }
      }
      return new double[] {small, big};
    }
  }

  private static double squaredNorm(List<ModelParameter> params) {
    double sum = 0;
    try (NoGradGuard g = new NoGradGuard()) {
      for (ModelParameter p : params) {
        Tensor grad = p.value().grad();
        if (grad.defined()) {
          sum += grad.mul(grad).sum().item_double();
        }
      }
    }
    return sum;
  }

  /** The running (EMA) estimate: the last ~1/(1 − decay) steps. */
  public NoiseScale.Estimate estimate() {
    return estimator.estimate();
  }

  /**
   * One estimate per {@code stepsPerPhase} consecutive steps (the last phase may be shorter), each from the plain
   * means over its steps ({@link NoiseScale#phases}): how B_simple moves during training, which the EMA hides.
   */
  public List<NoiseScale.Estimate> perPhase(int stepsPerPhase) {
    return NoiseScale.phases(estimator.smallBatch(), estimator.bigBatch(),
        samples.stream().mapToDouble(Sample::smallNormSq).toArray(),
        samples.stream().mapToDouble(Sample::bigNormSq).toArray(), stepsPerPhase);
  }

  public List<Sample> samples() {
    return List.copyOf(samples);
  }
}
