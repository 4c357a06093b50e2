package dev.bigbatch.train;

import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Path;
import java.util.List;
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
    JobSpec c = ConAdvTest.withConAdv(DistributedEquivalenceTest.config(4, dir), 0.2, 0.5, 1, true);
    Model single = DistributedEquivalenceTest.model(c.seed());
    try (ConAdv adv = new ConAdv(c, DistributedEquivalenceTest.TRAIN, single,
        DistributedEquivalenceTest.model(99))) {
      new Trainer(c, single, DistributedEquivalenceTest.sgd(single, c), DistributedEquivalenceTest.TRAIN,
          DistributedEquivalenceTest.TEST, Replicas.single(), List.of()).objective(adv).run();
    }

    int processes = 2;
    List<Model> models = List.of(DistributedEquivalenceTest.model(c.seed()), DistributedEquivalenceTest.model(1001));
    ThreadRanks.run(processes, "conadv-test", true, (rank, replicas) -> {
      Model m = models.get(rank);
      try (ConAdv adv = new ConAdv(c, DistributedEquivalenceTest.TRAIN, m, DistributedEquivalenceTest.model(2000 + rank))) {
        return new Trainer(c, m, DistributedEquivalenceTest.sgd(m, c), DistributedEquivalenceTest.TRAIN,
            DistributedEquivalenceTest.TEST, replicas, List.of()).objective(adv).run();
      }
    });
    for (int r = 0; r < processes; r++) {
      DistributedEquivalenceTest.assertSameState(single, models.get(r), "rank " + r);
    }
  }
}
