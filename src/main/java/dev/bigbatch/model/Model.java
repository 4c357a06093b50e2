package dev.bigbatch.model;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A trainable network: forward maps a batch of inputs to class logits. Parameters and buffers are
 * listed in a fixed order that is identical on every worker.
 */
public interface Model {
  /** Logits of shape [batch, classes]. */
  Tensor forward(Tensor input);

  /** Switches for training/evaluation and the BN statistics group size. */
  ForwardContext context();

  List<ModelParameter> params();

  List<ModelBuffer> buffers();

  /** A one-line description for logs, e.g. "resnet8(width=16) 78,042 params". */
  String describe();

  default long paramCount() {
    long n = 0;
    for (ModelParameter p : params()) {
      n += p.numel();
    }
    return n;
  }
}
