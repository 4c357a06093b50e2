package dev.bigbatch.train;

import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ConAdv under P = 2 processes over real TCP: each process perturbs its own k/P workers' examples with its
 * own stale copy, losses stay normalised over the global batch of clean and adversarial examples, and the
 * run ends where one process simulating all k workers with ConAdv ends.
 */
class ConAdvDistributedTest {
  @Test
  void twoProcessesEqualOneProcessWithConAdv(@TempDir Path dir) throws Exception {
    TrainConfig c = DistributedEquivalenceTest.config(4, dir);
    ConAdv.Settings settings = new ConAdv.Settings(0.2, 0.5, 1, true);
    Model single = DistributedEquivalenceTest.model(c.seed());
    try (ConAdv adv = new ConAdv(settings, c, DistributedEquivalenceTest.TRAIN, single,
        DistributedEquivalenceTest.model(99))) {
      new Trainer(c, single, DistributedEquivalenceTest.sgd(single, c), DistributedEquivalenceTest.TRAIN,
          DistributedEquivalenceTest.TEST, Replicas.single(), List.of()).conAdv(adv).run();
    }

    int processes = 2;
    List<Model> models = List.of(DistributedEquivalenceTest.model(c.seed()), DistributedEquivalenceTest.model(1001));
    int port = DistributedEquivalenceTest.freePort();
    JobSecret secret = JobSecret.of("conadv-test");
    ExecutorService pool = Executors.newFixedThreadPool(processes);
    List<Future<EpochMetrics>> results = new ArrayList<>();
    for (int r = 0; r < processes; r++) {
      int rank = r;
      results.add(pool.submit(() -> {
        WorldSpec world = new WorldSpec(rank, processes);
        CommOptions opts = CommOptions.defaults().withTimeout(Duration.ofSeconds(20));
        TcpStoreRendezvous rdv = TcpStoreRendezvous.hostOrJoin(world, new InetSocketAddress("127.0.0.1", port), secret,
            Duration.ofSeconds(20));
        Model m = models.get(rank);
        try (Replicas replicas = new DistributedReplicas(Communicator.connect(world, rdv, secret, opts), 1024, true, rdv);
            ConAdv adv = new ConAdv(settings, c, DistributedEquivalenceTest.TRAIN, m,
                DistributedEquivalenceTest.model(2000 + rank))) {
          return new Trainer(c, m, DistributedEquivalenceTest.sgd(m, c), DistributedEquivalenceTest.TRAIN,
              DistributedEquivalenceTest.TEST, replicas, List.of()).conAdv(adv).run();
        }
      }));
    }
    for (Future<EpochMetrics> f : results) {
      f.get();
    }
    pool.shutdown();
    for (int r = 0; r < processes; r++) {
      Model m = models.get(r);
      for (int i = 0; i < single.params().size(); i++) {
        DistributedEquivalenceTest.assertClose(Tensors.toFloats(single.params().get(i).value()),
            Tensors.toFloats(m.params().get(i).value()), "rank " + r + " " + single.params().get(i).name());
      }
      for (int i = 0; i < single.buffers().size(); i++) {
        DistributedEquivalenceTest.assertClose(Tensors.toFloats(single.buffers().get(i).value()),
            Tensors.toFloats(m.buffers().get(i).value()), "rank " + r + " " + single.buffers().get(i).name());
      }
    }
  }
}
