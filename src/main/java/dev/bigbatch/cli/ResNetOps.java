package dev.bigbatch.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distinct layer ops of one training step of {@link dev.bigbatch.model.ResNetCifar}, with how often
 * each runs; {@code bench/ops_reference.py} builds the same list (same names) for PyTorch.
 */
final class ResNetOps {
  private static final Pattern RESNET = Pattern.compile("resnet(\\d+)");
  private static final int CLASSES = 10;

  private ResNetOps() {}

  enum Kind { CONV, BN, RELU, HEAD }

  /**
   * One op at one shape: input {@code [batch, in, size, size]}; for a conv, {@code out} channels with a
   * {@code kernel}² kernel, padding kernel/2 and {@code stride}; for the head, {@code out} classes.
   */
  record LayerOp(Kind kind, String name, int count, long in, long out, long kernel, long stride, long size,
      boolean inputNeedsGrad) {
    LayerOp times(int more) {
      return new LayerOp(kind, name, count + more, in, out, kernel, stride, size, inputNeedsGrad);
    }
  }

  static List<LayerOp> of(String model, int width, int inChannels, int inSize) {
    Matcher m = RESNET.matcher(model.toLowerCase(Locale.ROOT));
    int depth = m.matches() ? Integer.parseInt(m.group(1)) : -1;
    if (depth < 8 || (depth - 2) % 6 != 0) {
      throw new IllegalArgumentException("bench ops profiles the CIFAR ResNets (resnet8, resnet20, …), not " + model);
    }
    Map<String, LayerOp> ops = new LinkedHashMap<>();
    long size = inSize;
    add(ops, conv(inChannels, width, 3, 1, size, false));
    add(ops, bn(width, size));
    add(ops, relu(width, size));
    long in = width;
    for (int stage = 0; stage < 3; stage++) {
      long out = (long) width << stage;
      for (int b = 0; b < (depth - 2) / 6; b++) {
        long stride = (stage > 0 && b == 0) ? 2 : 1;
        long outSize = (size - 1) / stride + 1;
        add(ops, conv(in, out, 3, stride, size, true));
        add(ops, bn(out, outSize));
        add(ops, relu(out, outSize));
        add(ops, conv(out, out, 3, 1, outSize, true));
        add(ops, bn(out, outSize));
        if (stride != 1 || in != out) {
          add(ops, conv(in, out, 1, stride, size, true));
          add(ops, bn(out, outSize));
        }
        add(ops, relu(out, outSize));
        in = out;
        size = outSize;
      }
    }
    add(ops, new LayerOp(Kind.HEAD, "pool+fc+loss " + in + "->" + CLASSES, 1, in, CLASSES, 0, 1, size, true));
    return new ArrayList<>(ops.values());
  }

  private static void add(Map<String, LayerOp> ops, LayerOp op) {
    ops.merge(op.name(), op, (a, b) -> a.times(1));
  }

  private static LayerOp conv(long in, long out, long kernel, long stride, long size, boolean inputNeedsGrad) {
    String name = String.format(Locale.ROOT, "conv%dx%d %d->%d%s @%d", kernel, kernel, in, out,
        stride == 1 ? "" : " s" + stride, size);
    return new LayerOp(Kind.CONV, name, 1, in, out, kernel, stride, size, inputNeedsGrad);
  }

  private static LayerOp bn(long channels, long size) {
    return new LayerOp(Kind.BN, "ghost bn " + channels + " @" + size, 1, channels, channels, 0, 1, size, true);
  }

  private static LayerOp relu(long channels, long size) {
    return new LayerOp(Kind.RELU, "relu " + channels + " @" + size, 1, channels, channels, 0, 1, size, true);
  }
}
