package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resume == uninterrupted, and k workers with n each == one process with kn, down to the decoded floats. */
class EquivalenceTest {
  private final ImageDataset data = TestFiles.randomDataset(21, 240, 3, 6, 5, 7);
  private final Normalization norm = Normalization.fromData(data);
  private final Augmentation aug = new Augmentation(2, true);

  private static float[] floats(Batch b) {
    float[] f = new float[b.images().limit()];
    b.images().get(0, f);
    return f;
  }

  private List<Batch> drain(Iterator<IndexBatch> plan) throws InterruptedException {
    List<Batch> out = new ArrayList<>();
    try (Prefetcher p = new Prefetcher(data, norm, aug, 31, 3, plan)) {
      while (p.hasNext()) {
        out.add(p.next());
      }
    }
    return out;
  }

  @Test
  void resumedRunSeesTheSameBatchesAsAnUninterruptedOne() throws InterruptedException {
    DistributedSampler sampler = new DistributedSampler(240, 2, 12, 77); // 10 steps per epoch
    List<Batch> full = drain(sampler.shards(1, 0, 0, 3));
    // "Crash" after epoch 1 step 3, then a fresh sampler and prefetcher resume from the saved position.
    List<Batch> resumed = drain(new DistributedSampler(240, 2, 12, 77).shards(1, 1, 4, 3));
    assertEquals(full.size() - 14, resumed.size());
    for (int i = 0; i < resumed.size(); i++) {
      Batch a = full.get(14 + i);
      Batch b = resumed.get(i);
      assertEquals(a.epoch(), b.epoch());
      assertEquals(a.stepInEpoch(), b.stepInEpoch());
      assertArrayEquals(a.labels(), b.labels());
      assertArrayEquals(floats(a), floats(b));
    }
  }

  @Test
  void kWorkersConcatenatedEqualOneProcessWithTheGlobalBatch() throws InterruptedException {
    int k = 4;
    int n = 6;
    List<Batch> global = drain(new DistributedSampler(240, 1, k * n, 5).globalBatches(0, 0, 2));
    List<List<Batch>> perWorker = new ArrayList<>();
    for (int w = 0; w < k; w++) {
      perWorker.add(drain(new DistributedSampler(240, k, n, 5).shards(w, 0, 0, 2)));
    }
    int example = data.exampleSize();
    for (int step = 0; step < global.size(); step++) {
      float[] g = floats(global.get(step));
      for (int w = 0; w < k; w++) {
        Batch shard = perWorker.get(w).get(step);
        float[] slice = java.util.Arrays.copyOfRange(g, w * n * example, (w + 1) * n * example);
        assertArrayEquals(slice, floats(shard), "step " + step + " worker " + w);
        long[] labels = java.util.Arrays.copyOfRange(global.get(step).labels(), w * n, (w + 1) * n);
        assertArrayEquals(labels, shard.labels());
      }
    }
  }
}
