package example;

import dev.bigbatch.model.Conv2d;
import dev.bigbatch.model.GhostBatchNorm;
import dev.bigbatch.model.Linear;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.RegisteredModel;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A small CNN of our own for 8×8 digits: two convolutions with per-worker batch norm (bigbatch's public layers), then
 * raw LibTorch ops (ReLU, global average pooling) and a linear classifier.
 */
public final class DigitsNet extends RegisteredModel {
  private final Conv2d conv1;
  private final GhostBatchNorm bn1;
  private final Conv2d conv2;
  private final GhostBatchNorm bn2;
  private final Linear fc;

  public DigitsNet(Models.InputSpec in) {
    conv1 = new Conv2d(reg, "conv1", in.channels(), 16, 3, 1, 1);
    bn1 = new GhostBatchNorm(reg, "bn1", 16, false, ctx);
    conv2 = new Conv2d(reg, "conv2", 16, 32, 3, 2, 1);
    bn2 = new GhostBatchNorm(reg, "bn2", 32, false, ctx);
    fc = Linear.classifier(reg, "fc", 32, in.classes());
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor h = torch.relu(bn1.forward(conv1.forward(x)));
    h = torch.relu(bn2.forward(conv2.forward(h)));
    return fc.forward(h.mean(2, 3));
  }

  @Override
  public String describe() {
    return String.format("digits-cnn %,d params", paramCount());
  }
}
