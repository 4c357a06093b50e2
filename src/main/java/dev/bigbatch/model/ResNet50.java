package dev.bigbatch.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ImageNet ResNet-50 (He et al. 2016) as trained by Goyal et al.: 7×7/2 stem, 3×3/2 max-pool,
 * bottleneck stages [3, 4, 6, 3] at widths 64..512 (×4 expansion, stride on the 3×3 conv), global
 * average pooling, classifier. Zero-γ on each block's last BN. Not trained on this 2-core machine;
 * its shapes are checked by a forward pass.
 */
public final class ResNet50 extends RegisteredModel {
  private static final int[] BLOCKS = {3, 4, 6, 3};
  private final Conv2d stemConv;
  private final GhostBatchNorm stemBn;
  private final List<Bottleneck> blocks = new ArrayList<>();
  private final Linear fc;

  public ResNet50(int inChannels, int classes, boolean zeroGamma) {
    stemConv = new Conv2d(reg, "stem.conv", inChannels, 64, 7, 2, 3);
    stemBn = new GhostBatchNorm(reg, "stem.bn", 64, false, ctx);
    int in = 64;
    for (int stage = 0; stage < 4; stage++) {
      int mid = 64 << stage;
      for (int b = 0; b < BLOCKS[stage]; b++) {
        int stride = (stage > 0 && b == 0) ? 2 : 1;
        blocks.add(new Bottleneck(reg, "stage" + (stage + 1) + ".block" + b, in, mid, stride, zeroGamma, ctx));
        in = mid * 4;
      }
    }
    fc = Linear.classifier(reg, "fc", in, classes);
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor h = torch.relu(stemBn.forward(stemConv.forward(x)));
    h = torch.max_pool2d(h, new long[] {3, 3}, new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, false);
    for (Bottleneck b : blocks) {
      h = b.forward(h);
    }
    return fc.forward(h.mean(2, 3));
  }

  @Override
  public String describe() {
    return String.format("resnet50 %,d params", paramCount());
  }

  /** 1×1 reduce, 3×3 (strided), 1×1 expand ×4; projection shortcut when the shape changes. */
  static final class Bottleneck {
    private final Conv2d conv1;
    private final GhostBatchNorm bn1;
    private final Conv2d conv2;
    private final GhostBatchNorm bn2;
    private final Conv2d conv3;
    private final GhostBatchNorm bn3;
    private final Shortcut shortcut;

    Bottleneck(ParamRegistry reg, String name, int in, int mid, int stride, boolean zeroGamma, ForwardContext ctx) {
      int out = mid * 4;
      conv1 = new Conv2d(reg, name + ".conv1", in, mid, 1, 1, 0);
      bn1 = new GhostBatchNorm(reg, name + ".bn1", mid, false, ctx);
      conv2 = new Conv2d(reg, name + ".conv2", mid, mid, 3, stride, 1);
      bn2 = new GhostBatchNorm(reg, name + ".bn2", mid, false, ctx);
      conv3 = new Conv2d(reg, name + ".conv3", mid, out, 1, 1, 0);
      bn3 = new GhostBatchNorm(reg, name + ".bn3", out, zeroGamma, ctx);
      shortcut = new Shortcut(reg, name, in, out, stride, ctx);
    }

    Tensor forward(Tensor x) {
      Tensor h = torch.relu(bn1.forward(conv1.forward(x)));
      h = torch.relu(bn2.forward(conv2.forward(h)));
      h = bn3.forward(conv3.forward(h));
      return shortcut.addReLU(h, x);
    }
  }
}
