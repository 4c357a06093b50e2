package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.decentralized.Decentralized;
import dev.bigbatch.train.decentralized.DecentralizedReplicas;
import dev.bigbatch.train.decentralized.DecentralizedSgd;
import dev.bigbatch.train.decentralized.Gossip;
import dev.bigbatch.train.decentralized.Topology;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decentralized trainer end to end (threads as processes over TCP, the tiny ResNet-8 of
 * DistributedEquivalenceTest): with the all-to-all mixing matrix it must be synchronous SGD, and with a
 * sparse graph it must evaluate the consensus and report the true consensus distance.
 */
class DecentralizedTrainerTest {
  static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** {@code --sync decentralized --topology topology --decent-method method}. */
  static SyncSpec decentralized(SyncSpec.Topology topology, SyncSpec.Method method) {
    SyncSpec.Builder b = new SyncSpec.Builder();
    b.mode = SyncSpec.Mode.DECENTRALIZED;
    b.topology = topology;
    b.method = method;
    return b.build();
  }

  /** Runs one trainer per rank; {@code setUp} turns (rank's base replicas, model) into the decentralized job. */
  static List<EpochMetrics> runRanks(int processes, JobSpec c, List<Model> models,
      BiFunction<DistributedReplicas, Model, Decentralized.Job> setUp) throws Exception {
    return ThreadRanks.run(processes, "decentralized-test", true, (rank, base) -> {
      Model m = models.get(rank);
      Decentralized.Job job = setUp.apply(base, m);
      return new Trainer(c, m, job.optimizer(), DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST,
          job.replicas(), List.of()).run();
    });
  }

  @ParameterizedTest(name = "{0} with W = 11ᵀ/P, P={1}, k={2}")
  @CsvSource({"DECENTLAM, 3, 3", "DMSGD, 3, 6", "DECENTLAM, 1, 4", "DMSGD, 2, 4"})
  void fullTopologyIsSynchronousSgd(SyncSpec.Method method, int processes, int workers, @TempDir Path dir)
      throws Exception {
    JobSpec c = DistributedEquivalenceTest.config(workers, dir); // Nesterov, wd, gradual warmup + cosine: lr changes every step
    Model single = DistributedEquivalenceTest.model(c.seed());
    EpochMetrics syncLast = new Trainer(c, single, DistributedEquivalenceTest.sgd(single, c),
        DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST, Replicas.single(), List.of()).run();

    var settings = decentralized(SyncSpec.Topology.FULL, method);
    List<Model> models = new ArrayList<>();
    for (int r = 0; r < processes; r++) {
      models.add(DistributedEquivalenceTest.model(r == 0 ? c.seed() : 1000 + r));
    }
    List<EpochMetrics> last;
    if (processes == 1) {
      Decentralized.Job job = Decentralized.setUp(settings, c, models.get(0), Replicas.single(), null, dir, QUIET);
      last = List.of(new Trainer(c, models.get(0), job.optimizer(), DistributedEquivalenceTest.TRAIN,
          DistributedEquivalenceTest.TEST, job.replicas(), List.of()).run());
    } else {
      last = runRanks(processes, c, models, (base, m) -> Decentralized.setUp(settings, c, m, base, base.communicator(), dir,
          QUIET));
    }
    for (int r = 0; r < processes; r++) {
      for (int i = 0; i < single.params().size(); i++) {
        DistributedEquivalenceTest.assertClose(Tensors.toFloats(single.params().get(i).value()),
            Tensors.toFloats(models.get(r).params().get(i).value()), method + " rank " + r + " " + single.params().get(i).name());
      }
      assertEquals(syncLast.testAccuracy(), last.get(r).testAccuracy(), 1e-9);
      assertEquals(syncLast.trainLoss(), last.get(r).trainLoss(), 1e-5);
    }
  }

  @Test
  void sparseGraphEvaluatesTheConsensusAndReportsTheTrueDistance(@TempDir Path dir) throws Exception {
    int processes = 4;
    JobSpec c = DistributedEquivalenceTest.config(4, dir);
    List<Model> models = new ArrayList<>();
    for (int r = 0; r < processes; r++) {
      models.add(DistributedEquivalenceTest.model(r == 0 ? c.seed() : 1000 + r));
    }
    List<DecentralizedReplicas.Consensus> reported = Collections.synchronizedList(new ArrayList<>());
    runRanks(processes, c, models, (base, m) -> {
      Gossip gossip = new Gossip(base.communicator(), Topology.of(SyncSpec.Topology.RING, processes));
      var replicas = new DecentralizedReplicas(
          decentralized(SyncSpec.Topology.RING, SyncSpec.Method.DECENTLAM), base, base.communicator(), gossip, base.rank() == 0 ? reported::add : x -> {});
      var opt = new DecentralizedSgd(m.params(), new DecentralizedSgd.Options(SyncSpec.Method.DECENTLAM,
          c.optimizer().momentum(), c.optimizer().weightDecay(), c.optimizer().nesterov(), false), gossip);
      return new Decentralized.Job(replicas, opt);
    });
    // The last evaluation ran after the last update: its distance is that of the final parameters,
    // which evaluation must have left as they were (each replica's own, not the average).
    double expected = 0;
    int p = processes;
    for (int i = 0; i < models.get(0).params().size(); i++) {
      List<float[]> xs = new ArrayList<>();
      for (Model m : models) {
        xs.add(Tensors.toFloats(m.params().get(i).value()));
      }
      for (int e = 0; e < xs.get(0).length; e++) {
        double mean = 0;
        for (float[] x : xs) {
          mean += x[e] / (double) p;
        }
        for (float[] x : xs) {
          expected += (x[e] - mean) * (x[e] - mean);
        }
      }
    }
    expected /= p;
    DecentralizedReplicas.Consensus lastReport = reported.get(reported.size() - 1);
    assertTrue(expected > 0, "ring replicas differ");
    assertEquals(expected, lastReport.distance(), 1e-4 * expected);
    assertEquals(reported.size(), 2, "one report per epoch");
    long steps = lastReport.gossipRounds();
    long paramFloats = models.get(0).paramCount();
    assertEquals(steps * paramFloats * 4 * 2, lastReport.gossipPayloadBytes(), "ring: 2 neighbours × |x| per step");
  }
}
