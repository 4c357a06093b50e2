package dev.bigbatch.train;

import dev.bigbatch.data.Augmentation;
import dev.bigbatch.data.Batch;
import dev.bigbatch.data.BatchDecoder;
import dev.bigbatch.data.Dataset;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.ImageExamples;
import dev.bigbatch.data.IndexBatch;
import dev.bigbatch.data.Normalization;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Loss and accuracy of a model on a dataset, in evaluation mode (BN running statistics). */
public final class Evaluator {
  /** Mean loss and accuracy in [0, 1]. */
  public record Result(double loss, double accuracy) {}

  private static final int BATCH = 500;

  private int mine(int part, int parts) {
    return Math.max(0, (data.size() - part + parts - 1) / parts);
  }

  private final BatchDecoder decoder;
  private final Dataset data;

  /** Evaluates on {@code data} as it reads in epoch 0 (a test split has no augmentation). */
  public Evaluator(Dataset data) {
    this.data = data;
    this.decoder = new BatchDecoder(data);
  }

  public Evaluator(ImageDataset data, Normalization norm) {
    this(new ImageExamples(data, norm, Augmentation.NONE, 0));
  }

  public Result evaluate(Model model) {
    double[] sums = partialSums(model, 0, 1);
    return new Result(sums[0] / sums[2], sums[1] / sums[2]);
  }

  /**
   * Loss sum, correct count and example count over the examples i with i mod parts == part (so
   * replicas can split the test set and add their sums).
   */
  public double[] partialSums(Model model, int part, int parts) {
    int mine = mine(part, parts);
    if (mine == 0) {
      return new double[] {0, 0, 0};
    }
    boolean wasTraining = model.context().training();
    model.context().training(false);
    double lossSum = 0;
    long correct = 0;
    java.nio.FloatBuffer buffer = BatchDecoder.allocate(Math.min(BATCH, mine) * data.exampleSize());
    try (NoGradGuard g = new NoGradGuard()) {
      for (int start = 0; start < mine; start += BATCH) {
        int count = Math.min(BATCH, mine - start);
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) {
          idx[i] = (start + i) * parts + part;
        }
        Batch b = decoder.decode(new IndexBatch(0, 0, idx), buffer);
        try (PointerScope s = Memory.scope()) {
          Tensor x = Tensors.fromFloats(b.images(), count, data.channels(), data.height(), data.width());
          Tensor y = Tensors.fromLongs(b.labels());
          Tensor logits = model.forward(x);
          lossSum += torch.cross_entropy(logits, y).item_double() * count;
          correct += logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(y).sum().item_long();
        }
      }
    } finally {
      model.context().training(wasTraining);
    }
    return new double[] {lossSum, correct, mine};
  }
}
