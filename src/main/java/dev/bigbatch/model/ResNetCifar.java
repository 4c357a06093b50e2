package dev.bigbatch.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The CIFAR ResNet of He et al. (2016, §4.2) for 28×28 or 32×32 inputs: a 3×3 stem, three stages of
 * (depth−2)/6 basic blocks at widths w, 2w, 4w (stride 2 at stages 2 and 3), global average pooling
 * and a linear classifier. Shortcuts that change shape are 1×1 conv + BN (option B). The last BN of
 * every residual block starts with γ = 0 when {@code zeroGamma} (Goyal et al. §5.1).
 */
public final class ResNetCifar extends RegisteredModel {
  private final Conv2d stemConv;
  private final GhostBatchNorm stemBn;
  private final List<BasicBlock> blocks = new ArrayList<>();
  private final Linear fc;
  private final int depth;
  private final int width;

  /** @throws IllegalArgumentException unless depth = 6n+2 &gt;= 8 */
  static void checkDepth(int depth) {
    if (depth < 8 || (depth - 2) % 6 != 0) {
      throw new IllegalArgumentException("ResNet depth must be 6n+2 and >= 8 (8, 14, 20, 32, 56, …), got " + depth);
    }
  }

  public ResNetCifar(int depth, int width, int inChannels, int classes, boolean zeroGamma) {
    checkDepth(depth);
    if (width < 1) {
      throw new IllegalArgumentException("ResNet width must be >= 1, got " + width);
    }
    this.depth = depth;
    this.width = width;
    int perStage = (depth - 2) / 6;
    stemConv = new Conv2d(reg, "stem.conv", inChannels, width, 3, 1, 1);
    stemBn = new GhostBatchNorm(reg, "stem.bn", width, false, ctx);
    int in = width;
    for (int stage = 0; stage < 3; stage++) {
      int out = width << stage;
      for (int b = 0; b < perStage; b++) {
        int stride = (stage > 0 && b == 0) ? 2 : 1;
        blocks.add(new BasicBlock(reg, "stage" + (stage + 1) + ".block" + b, in, out, stride, zeroGamma, ctx));
        in = out;
      }
    }
    fc = Linear.classifier(reg, "fc", in, classes);
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor h = torch.relu(stemBn.forward(stemConv.forward(x)));
    for (BasicBlock b : blocks) {
      h = b.forward(h);
    }
    return fc.forward(h.mean(2, 3));
  }

  @Override
  public String describe() {
    return String.format("resnet%d(width=%d) %,d params", depth, width, paramCount());
  }

  /** conv3×3-BN-ReLU-conv3×3-BN, plus the shortcut, then ReLU. */
  static final class BasicBlock {
    private final Conv2d conv1;
    private final GhostBatchNorm bn1;
    private final Conv2d conv2;
    private final GhostBatchNorm bn2;
    private final Shortcut shortcut;

    BasicBlock(ParamRegistry reg, String name, int in, int out, int stride, boolean zeroGamma, ForwardContext ctx) {
      conv1 = new Conv2d(reg, name + ".conv1", in, out, 3, stride, 1);
      bn1 = new GhostBatchNorm(reg, name + ".bn1", out, false, ctx);
      conv2 = new Conv2d(reg, name + ".conv2", out, out, 3, 1, 1);
      bn2 = new GhostBatchNorm(reg, name + ".bn2", out, zeroGamma, ctx);
      shortcut = new Shortcut(reg, name, in, out, stride, ctx);
    }

    Tensor forward(Tensor x) {
      Tensor h = torch.relu(bn1.forward(conv1.forward(x)));
      h = bn2.forward(conv2.forward(h));
      return shortcut.addReLU(h, x);
    }
  }
}
