package dev.bigbatch.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.GradientSync;
import dev.bigbatch.train.decentralized.DecentralizedReplicas;
import dev.bigbatch.train.decentralized.DecentralizedSgd;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync spec picks the strategy, its optimizer and how a resume is read, in one place. */
class SyncStrategiesTest {
  private static Model model() {
    return Models.create("mlp", new Models.InputSpec(1, 8, 8, 4), 2, false);
  }

  private static JobSpec spec(SyncSpec.Mode mode, Path out) {
    JobSpec.Builder b = JobSpec.builder();
    b.sync.mode = mode;
    b.output.dir = out;
    return b.build();
  }

  @Test
  void aSynchronousSingleProcessSendsNothingAndHasNoSummary(@TempDir Path dir) {
    Model m = model();
    try (SyncStrategies.Strategy s = SyncStrategies.create(spec(SyncSpec.Mode.SYNC, dir), Joined.singleProcess(), m,
        System.out, false)) {
      assertEquals(1, s.replicas().size());
      assertSame(GradientSync.NONE, s.replicas().gradientSync(m));
      assertTrue(s.replicas().summary().isEmpty());
      assertInstanceOf(Sgd.class, s.optimizer());
    }
  }

  @Test
  void decentralizedGossipsWithItsOwnOptimizerAndSaysSoOnRankZero(@TempDir Path dir) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (SyncStrategies.Strategy s = SyncStrategies.create(spec(SyncSpec.Mode.DECENTRALIZED, dir),
        Joined.singleProcess(), model(), new PrintStream(printed, true, StandardCharsets.UTF_8), false)) {
      assertInstanceOf(DecentralizedReplicas.class, s.replicas());
      assertInstanceOf(DecentralizedSgd.class, s.optimizer());
      assertTrue(s.replicas().summary().isEmpty());
    }
    assertTrue(printed.toString(StandardCharsets.UTF_8).startsWith("decentralized: decentlam on ring"), printed::toString);
  }

  @Test
  void bucketsAreTheFlagsMegabytesOrAnEighthOfTheGradient(@TempDir Path dir) {
    JobSpec.Builder b = spec(SyncSpec.Mode.SYNC, dir).toBuilder();
    b.sync.bucketMb = 1.5;
    assertEquals(3 << 19, SyncStrategies.bucketBytes(b.build().sync(), model()));
  }
}
