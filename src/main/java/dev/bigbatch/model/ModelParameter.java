package dev.bigbatch.model;

import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/** A named trainable tensor with its group; {@code value} requires grad and is updated in place. */
public record ModelParameter(String name, Tensor value, ParamGroup group) {
  public ModelParameter {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(group, "group");
  }

  public long numel() {
    return value.numel();
  }
}
