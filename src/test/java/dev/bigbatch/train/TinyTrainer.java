package dev.bigbatch.train;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The tiny fixed-batch trainer unit tests build: resnet8 of width 4 for {@link TinyData} images, k = 4 workers
 * of n = 8 in chunks of 2, 3 epochs with a 0.5-epoch gradual warmup, base batch 32, no augmentation, momentum
 * SGD as the CLI builds it, one process. Tests set the builder fields they care about.
 */
final class TinyTrainer {
  private TinyTrainer() {}

  static JobSpec.Builder config(Path out) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "resnet8";
    b.model.width = 4;
    b.batch.perWorker = 8;
    b.batch.workers = 4;
    b.batch.workersPerChunk = 2;
    b.epochs = 3;
    b.lr.warmupEpochs = 0.5;
    b.lr.baseBatch = 32;
    b.data.augment = false;
    b.output.dir = out;
    return b;
  }

  /** {@code c}'s model for {@code data}'s image shape and classes, initialised from {@code c}'s seed. */
  static Model model(JobSpec c, ImageDataset data) {
    Torch.seed(c.seed());
    return Models.create(c.model().architecture(), new Models.InputSpec(data.channels(), data.height(), data.width(),
        data.numClasses()), c.model().width(), c.model().zeroGamma());
  }

  static Trainer trainer(JobSpec c, Model m, ImageDataset train, ImageDataset test, List<TrainListener> listeners) {
    Sgd sgd = new Sgd(m.params(), new Sgd.Options(c.optimizer().momentum(), c.optimizer().weightDecay(), c.optimizer().nesterov(), false, true));
    return new Trainer(c, m, sgd, train, test, Replicas.single(), listeners);
  }

  /** A trainer with a fresh {@link #model}. */
  static Trainer trainer(JobSpec c, ImageDataset train, ImageDataset test, List<TrainListener> listeners) {
    return trainer(c, model(c, train), train, test, listeners);
  }
}
