package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.lint.LintContext;
import dev.bigbatch.lint.Linter;
import dev.bigbatch.model.Model;
import dev.bigbatch.schedule.AutoWu;
import dev.bigbatch.schedule.ScheduleSwitch;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.spec.SyncSpec;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --schedule autowu} inside the trainer: resume equality, the logged switch, replicas agreeing, validation. */
class AutoWuTrainTest {
  private static JobSpec config(Path out, LrSpec.Schedule schedule, int workers) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "resnet8";
    b.model.width = 4;
    b.batch.perWorker = 4;
    b.batch.workers = workers;
    b.batch.workersPerChunk = 2;
    b.epochs = 3; // 96 / 16 = 6 steps per epoch, 18 steps; AutoWU tests every step, caps its warmup at step 9
    b.lr.baseBatch = 16;
    b.lr.schedule = schedule;
    b.output.dir = out;
    return b.build();
  }

  /** Records every step's lr and every switch. */
  private static final class Recorder implements TrainListener {
    final List<Double> lrs = new ArrayList<>();
    final List<ScheduleSwitch> switches = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      lrs.add(m.lr());
    }

    @Override
    public void onScheduleSwitch(ScheduleSwitch s) {
      switches.add(s);
    }
  }

  private static Trainer trainer(JobSpec c, Model m, TrainListener... listeners) {
    return new Trainer(c, m, DistributedEquivalenceTest.sgd(m, c), DistributedEquivalenceTest.TRAIN,
        DistributedEquivalenceTest.TEST, Replicas.single(), List.of(listeners));
  }

  @Test
  void resumedRunsEqualTheUninterruptedRunAndTheSwitchIsLogged(@TempDir Path dir) throws Exception {
    JobSpec c = config(dir.resolve("straight"), LrSpec.Schedule.AUTOWU, 4);
    Model straight = DistributedEquivalenceTest.model(c.seed());
    Recorder straightLog = new Recorder();
    Trainer t = trainer(c, straight, straightLog, new MetricsJsonl(c.output().dir(), 1));
    t.run();
    AutoWu schedule = (AutoWu) t.schedule();
    assertEquals(1, straightLog.switches.size());
    ScheduleSwitch sw = straightLog.switches.get(0);
    assertTrue(sw.step() >= 5 && sw.step() <= 9, sw.toString());
    for (int s = 0; s < straightLog.lrs.size(); s++) {
      assertEquals(schedule.lrAt(s), straightLog.lrs.get(s), 0, "logged lr of step " + s);
    }
    assertEquals(sw.peakLr(), straightLog.lrs.get((int) sw.step()), 0);

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(c.output().dir().resolve("metrics.jsonl"))) {
      JsonNode n = json.readTree(line);
      if (n.get("kind").asText().equals("schedule-switch")) {
        events.add(n);
      }
    }
    assertEquals(1, events.size());
    assertEquals(sw.step(), events.get(0).get("step").asLong());
    assertEquals(sw.peakLr(), events.get(0).get("peakLr").asDouble(), 0);
    assertEquals(sw.reason(), events.get(0).get("reason").asText());
    // config.json is written before the peak is known: it must not claim the scaling rule's peak as the run's.
    JsonNode cfg = json.readTree(c.output().dir().resolve("config.json").toFile());
    assertTrue(cfg.path("peakLr").isMissingNode(), cfg.toString());
    assertTrue(cfg.path("autoWuMaxLr").asDouble() >= sw.peakLr(), cfg.toString());

    // Interrupted mid-warmup (checkpoint at step 4, before any test) and after the switch (step 12).
    for (long[] cut : new long[][] {{4, 5}, {12, 13}}) {
      Path ckpt = dir.resolve("ckpt-" + cut[0] + ".bin");
      Model first = DistributedEquivalenceTest.model(c.seed());
      trainer(c, first).checkpoints(new Checkpoints.Policy(ckpt, 4, false)).stopAfter(cut[1]).run();
      Checkpoints.State state = Checkpoints.load(ckpt);
      assertEquals(cut[0], state.nextStep());
      assertTrue(state.scheduleState().length > 0, "the checkpoint carries AutoWU's state");

      Model resumed = DistributedEquivalenceTest.model(999);
      Recorder resumedLog = new Recorder();
      trainer(c, resumed, resumedLog).resumeFrom(state).run();
      assertEquals(straightLog.lrs.subList((int) cut[0], straightLog.lrs.size()), resumedLog.lrs, "cut " + cut[0]);
      assertEquals(cut[0] < sw.step() ? 1 : 0, resumedLog.switches.size());
      for (int i = 0; i < straight.params().size(); i++) {
        assertArrayEquals(Tensors.toFloats(straight.params().get(i).value()),
            Tensors.toFloats(resumed.params().get(i).value()), 1e-6f, "cut " + cut[0] + " " + straight.params().get(i).name());
      }
    }

    // A checkpoint and a run that disagree about the schedule get a clear error either way.
    Checkpoints.State autoState = Checkpoints.load(dir.resolve("ckpt-4.bin"));
    JobSpec recipe = config(dir.resolve("recipe"), LrSpec.Schedule.RECIPE, 4);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> trainer(recipe, DistributedEquivalenceTest.model(1)).resumeFrom(autoState)).getMessage()
        .contains("--schedule autowu"));
    Checkpoints.State plain = new Checkpoints.State(autoState.identity(), 4, autoState.optimizerScalars(),
        autoState.tensors(), autoState.shapes());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> trainer(c, DistributedEquivalenceTest.model(1)).resumeFrom(plain)).getMessage()
        .contains("no adaptive schedule state"));
  }

  @Test
  void everyReplicaSwitchesAtTheSameStepWithTheSameRate(@TempDir Path dir) throws Exception {
    JobSpec c = config(dir, LrSpec.Schedule.AUTOWU, 4);
    int processes = 2;
    int port = DistributedEquivalenceTest.freePort();
    JobSecret secret = JobSecret.of("autowu-test");
    ExecutorService pool = Executors.newFixedThreadPool(processes);
    List<Recorder> logs = List.of(new Recorder(), new Recorder());
    List<Future<?>> done = new ArrayList<>();
    for (int r = 0; r < processes; r++) {
      int rank = r;
      done.add(pool.submit(() -> {
        WorldSpec world = new WorldSpec(rank, processes);
        TcpStoreRendezvous rdv = TcpStoreRendezvous.hostOrJoin(world, new InetSocketAddress("127.0.0.1", port), secret,
            Duration.ofSeconds(20));
        try (Replicas replicas = new DistributedReplicas(Communicators.connect(world, rdv, secret,
            CommOptions.defaults().withTimeout(Duration.ofSeconds(20))), 1024, true, SyncSpec.Compression.NONE, rdv)) {
          Model m = DistributedEquivalenceTest.model(c.seed());
          new Trainer(c, m, DistributedEquivalenceTest.sgd(m, c), DistributedEquivalenceTest.TRAIN,
              DistributedEquivalenceTest.TEST, replicas, List.of(logs.get(rank))).run();
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    assertEquals(1, logs.get(0).switches.size());
    assertEquals(logs.get(0).lrs, logs.get(1).lrs); // bit-equal doubles, every step
    assertEquals(logs.get(0).switches.get(0).step(), logs.get(1).switches.get(0).step());
    assertEquals(logs.get(0).switches.get(0).peakLr(), logs.get(1).switches.get(0).peakLr(), 0);
  }

  @Test
  void configRejectsADecayThatDoesNotEndAtZeroAndIgnoresTheWarmupFlags(@TempDir Path dir) {
    JobSpec.Builder b = JobSpec.builder();
    b.lr.schedule = LrSpec.Schedule.AUTOWU;
    b.lr.decay = LrSpec.Decay.STEP;
    b.output.dir = dir;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains("--schedule autowu") && e.getMessage().contains("--decay step"), e.getMessage());
    b.lr.decay = LrSpec.Decay.POLY;
    b.lr.autoWuMaxLr = 0.05; // below the start (min(η0, 0.1) = 0.1)
    assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("--autowu-max-lr"));
    b.lr.autoWuMaxLr = 0;
    b.lr.autoWuMaxWarmup = 1.5;
    assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("--autowu-max-warmup"));
    b.lr.autoWuMaxWarmup = 0.5;
    b.lr.warmupEpochs = 10; // longer than training: fine, AutoWU ignores it
    b.lr.warmup = LrSpec.Warmup.NONE;
    b.batch.workers = 256;
    b.lr.base = 0.1;
    JobSpec c = b.build();
    assertTrue(Recipe.schedule(c, 7) instanceof AutoWu);
    b.lr.warmupStart = 40.0; // above the auto maximum 10 × 3.2
    JobSpec tooHigh = b.build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Recipe.schedule(tooHigh, 7)).getMessage()
        .contains("--warmup-start-lr"));
    // kn = 8192 "without warmup" at 32x the base rate: the warmup rules know AutoWU finds its own warmup.
    assertEquals(List.of(), Linter.defaults().check(LintContext.of(c, 60_000)));
  }
}
