package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.optim.Optimizers;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --accumulate 4 --workers 2} is the run {@code --workers 8} describes, one micro-batch of the two
 * workers at a time: same parameters after every step of a short run, chunk memory bounded by k.
 */
class AccumulationTest {
  /** {@link TinyTrainer}'s run with k = 2 workers of n = 4, 1 epoch, and γ = 1 init so every path carries gradient. */
  private static JobSpec.Builder base(Path out) {
    JobSpec.Builder b = TinyTrainer.config(out);
    b.model.zeroGamma = false;
    b.batch.perWorker = 4;
    b.batch.workers = 2;
    b.batch.workersPerChunk = 8;
    b.lr.baseBatch = 16;
    b.lr.base = 0.05;
    b.epochs = 1;
    b.lr.warmupEpochs = 0.25;
    return b;
  }

  private static List<float[]> train(JobSpec c, ImageDataset data, long steps) {
    Torch.seed(c.seed());
    Model m = Models.create(c.model().architecture(), new Models.InputSpec(1, 8, 8, 4), c.model().width(), c.model().zeroGamma());
    var opt = Optimizers.create(c.optimizer(), m.params());
    new Trainer(c, m, opt, data, data, Replicas.single(), List.of()).stopAfter(steps).run();
    List<float[]> out = new ArrayList<>();
    for (ModelParameter p : m.params()) {
      out.add(Tensors.toFloats(p.value()));
    }
    return out;
  }

  /** {@code b} with {@code --accumulate a}. */
  private static JobSpec.Builder accumulate(JobSpec.Builder b, int a) {
    b.batch.accumulate = a;
    return b;
  }

  @Test
  void peakLrFollowsTheVirtualWorkers(@TempDir Path dir) {
    JobSpec c = accumulate(base(dir), 4).build();
    assertEquals(32, c.batch().global());
    assertEquals(0.1, Recipe.peakLr(c), 1e-12); // linear rule at k·A·n = 32, B0 = 16
  }

  @Test
  void accumulatingFourMicroBatchesOnTwoWorkersEqualsEightWorkers(@TempDir Path dir) {
    ImageDataset data = TinyData.make(192, 1, 8, 4, 3); // 6 steps per epoch at kn = 32
    JobSpec accumulated = accumulate(base(dir), 4).build();
    JobSpec.Builder eight = base(dir);
    eight.batch.workers = 8;
    JobSpec reference = eight.build();
    assertEquals(8, reference.batch().chunkWorkers()); // the reference does all 8 workers in one forward/backward
    List<float[]> a = train(accumulated, data, 6);
    List<float[]> r = train(reference, data, 6);
    List<float[]> init = train(reference, data, 0);
    double moved = 0;
    for (int i = 0; i < r.size(); i++) {
      assertArrayEquals(r.get(i), a.get(i), 1e-5f, "parameter " + i);
      for (int j = 0; j < r.get(i).length; j++) {
        moved = Math.max(moved, Math.abs(r.get(i)[j] - init.get(i)[j]));
      }
    }
    assertTrue(moved > 1e-3, "training must move the parameters, moved " + moved);
    // Not accumulating (kn = 8, LR and data order of a different run) ends elsewhere: the check has teeth.
    List<float[]> plain = train(base(dir).build(), data, 6);
    double diff = 0;
    for (int i = 0; i < r.size(); i++) {
      for (int j = 0; j < r.get(i).length; j++) {
        diff = Math.max(diff, Math.abs(r.get(i)[j] - plain.get(i)[j]));
      }
    }
    assertTrue(diff > 1e-3, "k=2 without accumulation should differ from k=8, max diff " + diff);
  }
}
