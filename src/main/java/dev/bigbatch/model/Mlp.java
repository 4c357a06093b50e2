package dev.bigbatch.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Flatten → (Linear → ReLU) × hidden layers → Linear. */
public final class Mlp extends RegisteredModel {
  private final List<Linear> hidden = new ArrayList<>();
  private final Linear out;
  private final int[] widths;

  public Mlp(int inputs, int[] hiddenWidths, int classes) {
    if (hiddenWidths.length == 0) {
      throw new IllegalArgumentException("MLP needs at least one hidden layer");
    }
    this.widths = hiddenWidths.clone();
    int in = inputs;
    for (int i = 0; i < hiddenWidths.length; i++) {
      if (hiddenWidths[i] < 1) {
        throw new IllegalArgumentException("MLP hidden width must be >= 1, got " + hiddenWidths[i]);
      }
      hidden.add(new Linear(reg, "hidden" + i, in, hiddenWidths[i]));
      in = hiddenWidths[i];
    }
    out = Linear.classifier(reg, "fc", in, classes);
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor h = torch.flatten(x, 1, -1);
    for (Linear l : hidden) {
      h = torch.relu(l.forward(h));
    }
    return out.forward(h);
  }

  @Override
  public String describe() {
    return String.format("mlp%s %,d params", java.util.Arrays.toString(widths), paramCount());
  }
}
