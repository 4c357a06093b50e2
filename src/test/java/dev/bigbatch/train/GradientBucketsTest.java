package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelParameter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** With overlap, every bucket's allreduce is launched from autograd hooks before backward returns. */
class GradientBucketsTest {
  @Test
  void overlappedBucketsLaunchDuringBackwardAndSumGradients() throws Exception {
    int ranks = 2;
    int port = DistributedEquivalenceTest.freePort();
    JobSecret secret = JobSecret.of("buckets-test");
    List<Model> models = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      models.add(DistributedEquivalenceTest.model(3)); // identical replicas
    }
    ExecutorService pool = Executors.newFixedThreadPool(ranks);
    List<Future<int[]>> launched = new ArrayList<>();
    List<List<float[]>> localGrads = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      localGrads.add(new ArrayList<>());
    }
    for (int r = 0; r < ranks; r++) {
      int rank = r;
      launched.add(pool.submit(() -> {
        WorldSpec world = new WorldSpec(rank, ranks);
        try (TcpStoreRendezvous rdv = TcpStoreRendezvous.hostOrJoin(world, new InetSocketAddress("127.0.0.1", port),
            secret, Duration.ofSeconds(20));
            Communicator comm = Communicators.connect(world, rdv, secret, CommOptions.defaults())) {
          Model m = models.get(rank);
          GradientBuckets sync = new GradientBuckets(comm, m.params(), 2048, true);
          Tensor x = torch.randn(new long[] {8, 1, 8, 8}, new TensorOptions(ScalarType.Float)).add_(
              new org.bytedeco.pytorch.Scalar(rank));
          long[] y = {0, 1, 2, 3, 0, 1, 2, 3};
          VirtualWorkers.forwardBackward(m, x, Tensors.fromLongs(y), 4, 2, 1, 2 * ranks, sync);
          int during = sync.launchedSoFar();
          for (ModelParameter p : m.params()) {
            localGrads.get(rank).add(Tensors.toFloats(p.value().grad()));
          }
          sync.synchronize(m.params());
          return new int[] {during, sync.bucketCount()};
        }
      }));
    }
    for (Future<int[]> f : launched) {
      int[] r = f.get();
      assertTrue(r[1] > 3, "several buckets expected, got " + r[1]);
      assertEquals(r[1], r[0], "all buckets launched inside backward");
    }
    pool.shutdown();
    for (int i = 0; i < models.get(0).params().size(); i++) {
      float[] a = localGrads.get(0).get(i);
      float[] b = localGrads.get(1).get(i);
      float[] sum = new float[a.length];
      for (int j = 0; j < a.length; j++) {
        sum[j] = a[j] + b[j];
      }
      for (Model m : models) {
        assertArrayEquals(sum, Tensors.toFloats(m.params().get(i).value().grad()), 1e-6f, m.params().get(i).name());
      }
    }
  }
}
