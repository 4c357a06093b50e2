package dev.bigbatch.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a model from its CLI name: {@code resnet8}, {@code resnet20}, {@code resnet56}, {@code mlp},
 * {@code resnet50}, {@code lstm}.
 */
public final class Models {
  private static final Pattern RESNET = Pattern.compile("resnet(\\d+)");

  /** LSTM hidden size per unit of {@code --width}. */
  public static final int LSTM_HIDDEN_PER_WIDTH = 8;

  /** The names {@link #create} knows, for messages. */
  public static final String KNOWN = "resnet8, resnet14, resnet20, resnet32, resnet56 (any 6n+2), mlp, resnet50, lstm";

  private Models() {}

  /**
   * Checks that {@link #create} builds a model of this name.
   *
   * @throws IllegalArgumentException naming the known models, or the valid ResNet depths
   */
  public static void check(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("mlp") || n.equals("lstm") || n.equals("resnet50")) {
      return;
    }
    Matcher m = RESNET.matcher(n);
    if (!m.matches()) {
      throw new IllegalArgumentException("unknown model '" + name + "'; known: " + KNOWN);
    }
    ResNetCifar.checkDepth(Integer.parseInt(m.group(1)));
  }

  /** What a model needs to know about its input. */
  public record InputSpec(int channels, int height, int width, int classes) {}

  /**
   * @param width base width of CIFAR ResNets (16 in He et al.), hidden width unit of the MLP; for the
   *     LSTM the hidden size is 8·width (the default width 16 gives LEGW's hidden size 128)
   * @throws IllegalArgumentException with a message listing the known names
   */
  public static Model create(String name, InputSpec in, int width, boolean zeroGamma) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("mlp")) {
      return new Mlp(in.channels() * in.height() * in.width(), new int[] {width * 32, width * 16}, in.classes());
    }
    if (n.equals("lstm")) {
      return new LstmClassifier(in.channels() * in.width(), LSTM_HIDDEN_PER_WIDTH * width, in.classes());
    }
    if (n.equals("resnet50")) {
      return new ResNet50(in.channels(), in.classes(), zeroGamma);
    }
    Matcher m = RESNET.matcher(n);
    if (m.matches()) {
      return new ResNetCifar(Integer.parseInt(m.group(1)), width, in.channels(), in.classes(), zeroGamma);
    }
    throw new IllegalArgumentException(
        "unknown model '" + name + "'; known: " + KNOWN);
  }
}
