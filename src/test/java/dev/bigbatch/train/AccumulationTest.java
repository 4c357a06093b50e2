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
import dev.bigbatch.model.Param;
import dev.bigbatch.optim.Optimizers;
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
  private static TrainConfig.Builder base(Path out) {
    TrainConfig.Builder b = TinyTrainer.config(out);
    b.zeroGamma = false;
    b.perWorkerBatch = 4;
    b.workers = 2;
    b.workersPerChunk = 8;
    b.baseBatch = 16;
    b.baseLr = 0.05;
    b.epochs = 1;
    b.warmupEpochs = 0.25;
    return b;
  }

  private static List<float[]> train(TrainConfig c, ImageDataset data, long steps) {
    Torch.seed(c.seed());
    Model m = Models.create(c.model(), new Models.InputSpec(1, 8, 8, 4), c.width(), c.zeroGamma());
    var opt = Optimizers.create(c.optimizerSettings(), m.params());
    new Trainer(c, m, opt, data, data, Replicas.single(), List.of()).stopAfter(steps).run();
    List<float[]> out = new ArrayList<>();
    for (Param p : m.params()) {
      out.add(Tensors.toFloats(p.value()));
    }
    return out;
  }

  @Test
  void mapsToKTimesAVirtualWorkersWithChunksOfK(@TempDir Path dir) {
    TrainConfig c = Accumulation.apply(base(dir), 4).build();
    assertEquals(8, c.workers());
    assertEquals(2, c.workersPerChunk());
    assertEquals(32, c.globalBatch());
    assertEquals(0.1, Recipe.peakLr(c), 1e-12); // linear rule at k·A·n = 32, B0 = 16
    TrainConfig one = Accumulation.apply(base(dir), 1).build();
    assertEquals(2, one.workers());
    assertEquals(8, one.workersPerChunk());
    assertThrows(IllegalArgumentException.class, () -> Accumulation.apply(base(dir), 0));
  }

  @Test
  void accumulatingFourMicroBatchesOnTwoWorkersEqualsEightWorkers(@TempDir Path dir) {
    ImageDataset data = TinyData.make(192, 1, 8, 4, 3); // 6 steps per epoch at kn = 32
    TrainConfig accumulated = Accumulation.apply(base(dir), 4).build();
    TrainConfig.Builder eight = base(dir);
    eight.workers = 8;
    TrainConfig reference = eight.build();
    assertEquals(8, reference.workersPerChunk()); // the reference does all 8 workers in one forward/backward
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
