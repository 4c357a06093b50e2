package dev.bigbatch.train;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Sgd;
import java.nio.file.Path;
import java.util.List;

/**
 * The tiny fixed-batch trainer unit tests build: resnet8 of width 4 for {@link TinyData} images, k = 4 workers
 * of n = 8 in chunks of 2, 3 epochs with a 0.5-epoch gradual warmup, base batch 32, no augmentation, momentum
 * SGD as the CLI builds it, one process. Tests set the builder fields they care about.
 */
final class TinyTrainer {
  private TinyTrainer() {}

  static TrainConfig.Builder config(Path out) {
    TrainConfig.Builder b = TrainConfig.builder();
    b.model = "resnet8";
    b.width = 4;
    b.perWorkerBatch = 8;
    b.workers = 4;
    b.workersPerChunk = 2;
    b.epochs = 3;
    b.warmupEpochs = 0.5;
    b.baseBatch = 32;
    b.augment = false;
    b.out = out;
    return b;
  }

  /** {@code c}'s model for {@code data}'s image shape and classes, initialised from {@code c}'s seed. */
  static Model model(TrainConfig c, ImageDataset data) {
    Torch.seed(c.seed());
    return Models.create(c.model(), new Models.InputSpec(data.channels(), data.height(), data.width(),
        data.numClasses()), c.width(), c.zeroGamma());
  }

  static Trainer trainer(TrainConfig c, Model m, ImageDataset train, ImageDataset test, List<TrainListener> listeners) {
    Sgd sgd = new Sgd(m.params(), new Sgd.Options(c.momentum(), c.weightDecay(), c.nesterov(), false, true));
    return new Trainer(c, m, sgd, train, test, Replicas.single(), listeners);
  }

  /** A trainer with a fresh {@link #model}. */
  static Trainer trainer(TrainConfig c, ImageDataset train, ImageDataset test, List<TrainListener> listeners) {
    return trainer(c, model(c, train), train, test, listeners);
  }
}
