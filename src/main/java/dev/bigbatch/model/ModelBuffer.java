package dev.bigbatch.model;

import org.bytedeco.pytorch.Tensor;

/** A named non-trainable tensor (BN running statistics) that checkpoints and evaluation need. */
public record ModelBuffer(String name, Tensor value) {}
