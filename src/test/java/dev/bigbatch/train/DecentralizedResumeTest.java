package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.decentralized.Decentralized;
import dev.bigbatch.train.decentralized.DecentralizedSgd;
import dev.bigbatch.train.decentralized.RankCheckpoints;
import dev.bigbatch.train.decentralized.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code --sync decentralized} run stopped after a checkpoint and resumed from its per-rank files must
 * equal the uninterrupted run bit for bit on every rank (parameters, momenta, BN running statistics), as
 * {@link CheckpointResumeTest} demands of synchronous runs; and every way the files can fail to fit the
 * run is refused on every rank with the same one line. Threads as processes over TCP, tiny ResNet-8.
 */
class DecentralizedResumeTest {
  /** What one rank ends with: parameters, BN buffers and optimizer state tensors, in order; gossip rounds. */
  record RankState(List<float[]> params, List<float[]> buffers, List<float[]> momenta, long gossipRounds) {
    static RankState of(Model m, Optimizer opt, long rounds) {
      List<float[]> p = new ArrayList<>();
      m.params().forEach(x -> p.add(Tensors.toFloats(x.value())));
      List<float[]> b = new ArrayList<>();
      m.buffers().forEach(x -> b.add(Tensors.toFloats(x.value())));
      List<float[]> o = new ArrayList<>();
      opt.state().forEach(x -> o.add(Tensors.toFloats(x.value())));
      return new RankState(p, b, o, rounds);
    }
  }

  /** How a rank's trainer is driven: where it checkpoints, when it stops, where it resumes from. */
  record Plan(Path checkpoint, long every, long stopAfter, Path resume) {}

  /**
   * One model per rank, built here, one after the other (torch's generator is global: rank threads
   * seeding it at once would race). They start apart: the broadcast (or the resume) must fix that.
   */
  private static List<Model> freshModels(int processes, long seed) {
    List<Model> models = new ArrayList<>();
    for (int r = 0; r < processes; r++) {
      models.add(DistributedEquivalenceTest.model(r == 0 ? seed : 1000 + r));
    }
    return models;
  }

  /** Runs P ranks under {@code plan}; returns each rank's final state. */
  static List<RankState> run(int processes, JobSpec c, SyncSpec s, Plan plan) throws Exception {
    List<Model> models = freshModels(processes, plan.resume() == null ? c.seed() : 555); // a resume must not depend on the init
    return ThreadRanks.run(processes, "decentralized-resume", true, (rank, base) -> train(c, s, models.get(rank), base,
        base.communicator(), plan));
  }

  /** One rank's run under {@code plan} over {@code base} (a rank of a job, or a single process). */
  private static RankState train(JobSpec c, SyncSpec s, Model m, Replicas base, Communicator comm, Plan plan) {
    Decentralized.Job job = Decentralized.setUp(s, c, m, base, comm, c.output().dir(), DecentralizedTrainerTest.QUIET, plan.resume() != null);
    Trainer t = new Trainer(c, m, job.optimizer(), DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST,
        job.replicas(), List.of()).stopAfter(plan.stopAfter());
    if (plan.checkpoint() != null) {
      t.checkpoints(new Checkpoints.Policy(plan.checkpoint(), plan.every(), false));
    }
    if (plan.resume() != null) {
      t.resumeFrom(job.resume(plan.resume(), c, m, DecentralizedTrainerTest.QUIET));
    }
    t.run();
    return RankState.of(m, job.optimizer(), job.replicas().gossip().rounds());
  }

  /** Every rank's resume attempt from {@code base}; returns each rank's error message (null: it resumed). */
  static List<String> resumeErrors(int processes, JobSpec c, SyncSpec s, Path base) throws Exception {
    List<Model> models = freshModels(processes, 555);
    return ThreadRanks.run(processes, "decentralized-refuse", true, (rank, replicas) -> {
      Model m = models.get(rank);
      Decentralized.Job job = Decentralized.setUp(s, c, m, replicas, replicas.communicator(), c.output().dir(), DecentralizedTrainerTest.QUIET, true);
      try {
        job.resume(base, c, m, DecentralizedTrainerTest.QUIET);
        return null;
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    });
  }

  @ParameterizedTest(name = "{0} on {1}, P={2}, k={3}")
  @CsvSource({"DECENTLAM, RING, 3, 3", "DMSGD, RING, 3, 3", "DECENTLAM, EXP, 4, 4", "DMSGD, RING, 4, 4",
      "DECENTLAM, RING, 2, 4"})
  void resumedRunEqualsUninterruptedRunOnEveryRank(SyncSpec.Method method, SyncSpec.Topology topology,
      int processes, int workers, @TempDir Path dir) throws Exception {
    JobSpec c = DistributedEquivalenceTest.config(workers, dir); // lr changes every step (warmup, cosine)
    int spe = 96 / (workers * c.batch().perWorker());
    var s = DecentralizedTrainerTest.decentralized(topology, method);
    // Checkpoint mid-epoch 2 and stop (like the straight run) before its end: the ranks' BN statistics
    // then differ, so they must come from each rank's own file, not from an average.
    long every = spe + 2;
    long stop = spe + spe - 2;
    assertTrue(every < stop && stop < 2 * spe);
    List<RankState> straight = run(processes, c, s, new Plan(null, 0, stop, null));
    Path ckpt = dir.resolve("ckpt.bin");
    run(processes, c, s, new Plan(ckpt, every, stop - 1, null)); // "preempted" one step before the end, after the save
    for (int r = 0; r < processes; r++) {
      assertEquals(every, Checkpoints.load(RankCheckpoints.fileOf(ckpt, r)).nextStep(), "rank " + r + "'s file");
    }
    assertFalse(Files.exists(ckpt), "no shared file in decentralized mode");
    List<RankState> resumed = run(processes, c, s, new Plan(null, 0, stop, ckpt));

    // The test means something only if the ranks' states differ: BN statistics always do (own examples);
    // parameters do unless the graph is complete (a ring of P ≤ 3 is: W = 11ᵀ/P keeps the x_i equal).
    assertFalse(Arrays.equals(straight.get(0).buffers().get(0), straight.get(1).buffers().get(0)), "BN statistics differ");
    if (processes == 4) {
      assertFalse(Arrays.equals(straight.get(0).params().get(0), straight.get(1).params().get(0)), "replicas differ");
      assertFalse(Arrays.equals(straight.get(0).momenta().get(0), straight.get(1).momenta().get(0)), "momenta differ");
    }
    for (int r = 0; r < processes; r++) {
      assertBitEqual(straight.get(r).params(), resumed.get(r).params(), method + " rank " + r + " parameters");
      assertBitEqual(straight.get(r).buffers(), resumed.get(r).buffers(), method + " rank " + r + " BN buffers");
      assertBitEqual(straight.get(r).momenta(), resumed.get(r).momenta(), method + " rank " + r + " momenta");
      assertEquals(stop, resumed.get(r).gossipRounds(), "gossip counter continues");
    }
  }

  /** One process without a communicator ({@code train --sync decentralized} without launch): W = [1]. */
  @Test
  void aSingleProcessResumesToo(@TempDir Path dir) {
    JobSpec c = DistributedEquivalenceTest.config(4, dir); // 6 steps per epoch
    var s = DecentralizedTrainerTest.decentralized(SyncSpec.Topology.RING, SyncSpec.Method.DMSGD);
    Path ckpt = dir.resolve("ckpt.bin");
    List<RankState> ends = new ArrayList<>();
    for (Plan plan : List.of(new Plan(null, 0, 10, null), new Plan(ckpt, 8, 9, null), new Plan(null, 0, 10, ckpt))) {
      ends.add(train(c, s, DistributedEquivalenceTest.model(plan.resume() == null ? c.seed() : 555), Replicas.single(), null, plan));
    }
    assertEquals(8, Checkpoints.load(RankCheckpoints.fileOf(ckpt, 0)).nextStep());
    assertBitEqual(ends.get(0).params(), ends.get(2).params(), "parameters");
    assertBitEqual(ends.get(0).buffers(), ends.get(2).buffers(), "BN buffers");
    assertBitEqual(ends.get(0).momenta(), ends.get(2).momenta(), "momenta");
  }

  private static void assertBitEqual(List<float[]> expected, List<float[]> actual, String what) {
    assertEquals(expected.size(), actual.size(), what);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), what + " #" + i); // exact: no tolerance
    }
  }

  // ---- refusals: files written once by a P = 3 DecentLaM ring run (saves at steps 3 and 6) ----

  private static final int P = 3;
  private static final SyncSpec RING_LAM = DecentralizedTrainerTest.decentralized(SyncSpec.Topology.RING,
      SyncSpec.Method.DECENTLAM);
  @TempDir static Path shared;
  private static JobSpec config;
  private static Path atThree;
  private static Path atSix;

  @BeforeAll
  static void writeCheckpoints() throws Exception {
    config = DistributedEquivalenceTest.config(P, shared);
    atThree = shared.resolve("three/ckpt.bin");
    atSix = shared.resolve("six/ckpt.bin");
    run(P, config, RING_LAM, new Plan(atThree, 3, 3, null));
    run(P, config, RING_LAM, new Plan(atSix, 3, 6, null));
  }

  /** A copy of the step-6 files in a directory of its own, for a test to damage. */
  private static Path copyOfSix(Path dir) throws Exception {
    Path base = dir.resolve("ckpt.bin");
    for (int r = 0; r < P; r++) {
      Files.copy(RankCheckpoints.fileOf(atSix, r), RankCheckpoints.fileOf(base, r));
    }
    return base;
  }

  /** Every rank failed with the same message, which contains each of {@code parts}. */
  private static void assertAllRefused(List<String> errors, String... parts) {
    assertEquals(P, errors.size());
    for (String e : errors) {
      assertEquals(errors.get(0), e, "every rank gives the same message");
    }
    String msg = errors.get(0);
    assertTrue(msg != null && !msg.contains("\n"), "one line: " + msg);
    for (String part : parts) {
      assertTrue(msg.contains(part), "'" + part + "' in: " + msg);
    }
  }

  @Test
  void intactFilesResume() throws Exception {
    for (String e : resumeErrors(P, config, RING_LAM, atSix)) {
      assertEquals(null, e);
    }
  }

  @Test
  void aMissingRankFileIsRefusedOnEveryRank(@TempDir Path dir) throws Exception {
    Path base = copyOfSix(dir);
    Files.delete(RankCheckpoints.fileOf(base, 1));
    assertAllRefused(resumeErrors(P, config, RING_LAM, base), "ckpt-rank1.bin", "does not exist");
  }

  @Test
  void filesWithNoSaveInCommonAreRefused(@TempDir Path dir) throws Exception {
    Path base = copyOfSix(dir); // the last saves only: no previous files to fall back to
    Files.copy(RankCheckpoints.fileOf(atThree, 2), RankCheckpoints.fileOf(base, 2), StandardCopyOption.REPLACE_EXISTING);
    assertAllRefused(resumeErrors(P, config, RING_LAM, base), "no save in common", "ckpt-rank0.bin at step 6",
        "ckpt-rank2.bin at step 3");
  }

  @Test
  void eachSaveKeepsThePreviousOne() {
    for (int r = 0; r < P; r++) {
      Path last = RankCheckpoints.fileOf(atSix, r);
      assertEquals(6, Checkpoints.load(last).nextStep());
      assertEquals(3, Checkpoints.load(last.resolveSibling("ckpt-rank" + r + ".prev.bin")).nextStep());
    }
  }

  /**
   * A job stopped while saving step 6: ranks 0 and 1 wrote it (their previous file holds step 3), rank 2 did
   * not (its last file is step 3, or, stopped between the rename and the write, only its previous file is).
   * Every rank must resume from step 3, exactly, and make it its last save.
   */
  @ParameterizedTest(name = "rank 2 renamed its last save already: {0}")
  @ValueSource(booleans = {false, true})
  void aSaveStoppedPartWayResumesEveryRankFromThePreviousSave(boolean renamed, @TempDir Path dir) throws Exception {
    Path base = dir.resolve("ckpt.bin");
    for (int r = 0; r < 2; r++) {
      Files.copy(RankCheckpoints.fileOf(atSix, r), RankCheckpoints.fileOf(base, r));
      Path prev = RankCheckpoints.fileOf(atSix, r).resolveSibling("ckpt-rank" + r + ".prev.bin");
      Files.copy(prev, base.resolveSibling(prev.getFileName()));
    }
    Path rankTwo = renamed ? dir.resolve("ckpt-rank2.prev.bin") : RankCheckpoints.fileOf(base, 2);
    Files.copy(RankCheckpoints.fileOf(atThree, 2), rankTwo);
    assertEquals(rankTwo, RankCheckpoints.newestFile(base, 2));
    long stop = 7; // mid-epoch (8 steps per epoch): the ranks' BN statistics differ
    List<RankState> straight = run(P, config, RING_LAM, new Plan(null, 0, stop, null));
    List<RankState> resumed = run(P, config, RING_LAM, new Plan(null, 0, stop, base));
    for (int r = 0; r < P; r++) {
      assertBitEqual(straight.get(r).params(), resumed.get(r).params(), "rank " + r + " parameters");
      assertBitEqual(straight.get(r).buffers(), resumed.get(r).buffers(), "rank " + r + " BN buffers");
      assertBitEqual(straight.get(r).momenta(), resumed.get(r).momenta(), "rank " + r + " momenta");
      assertEquals(3, Checkpoints.load(RankCheckpoints.fileOf(base, r)).nextStep(), "rank " + r + "'s last save is step 3 again");
    }
  }

  @Test
  void swappedRankFilesAreRefused(@TempDir Path dir) throws Exception {
    Path base = copyOfSix(dir);
    Path tmp = dir.resolve("tmp");
    Files.move(RankCheckpoints.fileOf(base, 0), tmp);
    Files.move(RankCheckpoints.fileOf(base, 1), RankCheckpoints.fileOf(base, 0));
    Files.move(tmp, RankCheckpoints.fileOf(base, 1));
    assertAllRefused(resumeErrors(P, config, RING_LAM, base), "ckpt-rank0.bin", "rank=1", "this run has rank=0");
  }

  @Test
  void anotherWorldSizeIsRefused() throws Exception {
    // Two processes of the same k = 3 workers cannot be built (3 % 2 ≠ 0), so compare at the file level:
    // a P = 2 job reading the P = 3 run's first two files.
    JobSpec six = DistributedEquivalenceTest.config(6, shared);
    List<Model> models = freshModels(2, 555);
    List<String> errors = ThreadRanks.run(2, "decentralized-refuse-size", true, (rank, replicas) -> {
      Model m = models.get(rank);
      Decentralized.Job job = Decentralized.setUp(RING_LAM, six, m, replicas, replicas.communicator(), six.output().dir(), DecentralizedTrainerTest.QUIET, true);
      return assertThrows(IllegalArgumentException.class, () -> job.resume(atSix, six, m, DecentralizedTrainerTest.QUIET)).getMessage();
    });
    assertEquals(errors.get(0), errors.get(1));
    assertTrue(errors.get(0).contains("replicas=3") && errors.get(0).contains("this run has replicas=2"), errors.get(0));
  }

  @Test
  void anotherTopologyOrMethodIsRefused() throws Exception {
    assertAllRefused(resumeErrors(P, config, DecentralizedTrainerTest.decentralized(SyncSpec.Topology.FULL, SyncSpec.Method.DECENTLAM),
        atSix), "ckpt-rank0.bin", "topology=ring", "this run has topology=full");
    assertAllRefused(resumeErrors(P, config, DecentralizedTrainerTest.decentralized(SyncSpec.Topology.RING, SyncSpec.Method.DMSGD),
        atSix), "ckpt-rank0.bin", "method=decentlam", "this run has method=dmsgd");
  }

  @Test
  void aSynchronousCheckpointIsRefusedInDecentralizedMode(@TempDir Path dir) throws Exception {
    Path sync = dir.resolve("sync.bin");
    Model m = DistributedEquivalenceTest.model(config.seed());
    new Trainer(config, m, DistributedEquivalenceTest.sgd(m, config), DistributedEquivalenceTest.TRAIN,
        DistributedEquivalenceTest.TEST, Replicas.single(), List.of()).checkpoints(new Checkpoints.Policy(sync, 2, false))
        .stopAfter(2).run();
    assertAllRefused(resumeErrors(P, config, RING_LAM, sync), "sync.bin", "synchronous run", "without --sync decentralized");
    // Even renamed to look like rank files.
    for (int r = 0; r < P; r++) {
      Files.copy(sync, RankCheckpoints.fileOf(sync, r));
    }
    assertAllRefused(resumeErrors(P, config, RING_LAM, sync), "sync-rank0.bin", "synchronous run");
  }

  @Test
  void aDecentralizedCheckpointIsRefusedInSynchronousMode() {
    String base = assertThrows(IllegalArgumentException.class, () -> RankCheckpoints.loadSynchronous(atSix)).getMessage();
    assertTrue(base.contains("ckpt-rank0.bin exists") && base.contains("resume it with --sync decentralized"), base);
    String one = assertThrows(IllegalArgumentException.class,
        () -> RankCheckpoints.loadSynchronous(RankCheckpoints.fileOf(atSix, 1))).getMessage();
    assertTrue(one.contains("rank 1 of a --sync decentralized run") && one.contains("resume it with --sync decentralized"), one);
  }

  @Test
  void oneRanksFileAsTheResumePathGetsAHint() throws Exception {
    assertAllRefused(resumeErrors(P, config, RING_LAM, RankCheckpoints.fileOf(atSix, 0)),
        "give the checkpoint path without the rank");
  }
}
