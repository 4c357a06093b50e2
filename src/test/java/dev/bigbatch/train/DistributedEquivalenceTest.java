package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.spec.JobSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * K replicas over real TCP (one thread per rank) with per-worker batch n must end with the same
 * parameters as one process simulating all k workers (same seed, same data order), as in PyTorch's
 * {@code _test_DDP_niter}. Ranks start from different random inits to prove the broadcast.
 */
class DistributedEquivalenceTest {
  static final ImageDataset TRAIN = TinyData.make(96, 1, 8, 4, 21);
  static final ImageDataset TEST = TinyData.make(40, 1, 8, 4, 22);

  static JobSpec config(int workers, Path out) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "resnet8";
    b.model.width = 4;
    b.batch.perWorker = 4;
    b.batch.workers = workers;
    b.batch.workersPerChunk = 2;
    b.epochs = 2; // 96 / (k·4) steps per epoch → ≥ 8 steps in all
    b.lr.warmupEpochs = 0.5;
    b.lr.baseBatch = 16;
    b.output.dir = out;
    return b.build();
  }

  static Model model(long seed) {
    Torch.seed(seed);
    return Models.create("resnet8", new Models.InputSpec(1, 8, 8, 4), 4, true);
  }

  static Sgd sgd(Model m, JobSpec c) {
    return new Sgd(m.params(), new Sgd.Options(c.optimizer().momentum(), c.optimizer().weightDecay(), c.optimizer().nesterov(), false, true));
  }

  /** {@code actual}'s parameters and BN buffers equal {@code expected}'s (≤ 1e-5 relative, {@link #assertClose}). */
  static void assertSameState(Model expected, Model actual, String label) {
    for (int i = 0; i < expected.params().size(); i++) {
      assertClose(Tensors.toFloats(expected.params().get(i).value()), Tensors.toFloats(actual.params().get(i).value()),
          label + " " + expected.params().get(i).name());
    }
    for (int i = 0; i < expected.buffers().size(); i++) {
      assertClose(Tensors.toFloats(expected.buffers().get(i).value()), Tensors.toFloats(actual.buffers().get(i).value()),
          label + " " + expected.buffers().get(i).name());
    }
  }

  @ParameterizedTest(name = "K={0} processes, k={1} workers, overlap={2}")
  @CsvSource({"2, 4, true", "2, 4, false", "3, 3, true", "3, 6, false", "3, 6, true"})
  void replicasEqualOneProcessWithVirtualWorkers(int processes, int workers, boolean overlap, @TempDir Path dir)
      throws Exception {
    JobSpec c = config(workers, dir);
    Model single = model(c.seed());
    EpochMetrics singleLast = new Trainer(c, single, sgd(single, c), TRAIN, TEST, Replicas.single(), List.of()).run();

    List<Model> models = new ArrayList<>();
    for (int r = 0; r < processes; r++) {
      models.add(model(r == 0 ? c.seed() : 1000 + r)); // only rank 0's init may matter
    }
    List<EpochMetrics> metrics = ThreadRanks.run(processes, "equivalence-test", overlap, (rank, replicas) -> {
      Model m = models.get(rank);
      return new Trainer(c, m, sgd(m, c), TRAIN, TEST, replicas, List.of()).run();
    });

    for (int r = 0; r < processes; r++) {
      assertSameState(single, models.get(r), "rank " + r);
      assertEquals(singleLast.testAccuracy(), metrics.get(r).testAccuracy(), 1e-9);
      assertEquals(singleLast.trainLoss(), metrics.get(r).trainLoss(), 1e-5);
    }
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int j = 0; j < expected.length; j++) {
      double tol = 1e-5 * Math.max(1.0, Math.abs(expected[j]));
      if (Math.abs(expected[j] - actual[j]) > tol) {
        throw new AssertionError(what + "[" + j + "]: expected " + expected[j] + " but was " + actual[j]);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
