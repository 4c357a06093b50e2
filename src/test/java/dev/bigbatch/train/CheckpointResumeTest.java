package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run stopped at a checkpoint and resumed must end exactly where an uninterrupted run ends. */
class CheckpointResumeTest {
  /** {@link TinyTrainer}'s run at n = 4 (base batch 16), with augmentation on: its random state must resume too. */
  private static JobSpec config(Path out, double epochs) {
    JobSpec.Builder b = TinyTrainer.config(out);
    b.batch.perWorker = 4;
    b.lr.baseBatch = 16;
    b.epochs = epochs;
    b.data.augment = true;
    return b.build();
  }

  private static Trainer trainer(JobSpec c, Model m) {
    return TinyTrainer.trainer(c, m, DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST, List.of());
  }

  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path dir) {
    JobSpec c = config(dir, 3); // 6 steps per epoch, 18 steps
    Model straight = DistributedEquivalenceTest.model(c.seed());
    trainer(c, straight).run();

    // The interrupted run checkpoints every 4 steps and "dies" after step 10: the last checkpoint is at
    // step 8, mid-epoch 2 (sampler offset 2), with momentum and the warmup position inside it.
    Path ckpt = dir.resolve("ckpt.bin");
    Model first = DistributedEquivalenceTest.model(c.seed());
    trainer(c, first).checkpoints(new Checkpoints.Policy(ckpt, 4, false)).stopAfter(10).run();
    Checkpoints.State atEight = Checkpoints.load(ckpt);
    assertEquals(8, atEight.nextStep());

    Model resumed = DistributedEquivalenceTest.model(999); // a different init: everything must come from the checkpoint
    trainer(c, resumed).resumeFrom(atEight).run();
    for (int i = 0; i < straight.params().size(); i++) {
      assertArrayEquals(Tensors.toFloats(straight.params().get(i).value()),
          Tensors.toFloats(resumed.params().get(i).value()), 1e-6f, straight.params().get(i).name());
    }
    for (int i = 0; i < straight.buffers().size(); i++) {
      assertArrayEquals(Tensors.toFloats(straight.buffers().get(i).value()),
          Tensors.toFloats(resumed.buffers().get(i).value()), 1e-6f, straight.buffers().get(i).name());
    }
  }

  @Test
  void corruptTruncatedOrMismatchedCheckpointsGetClearErrors(@TempDir Path dir) throws IOException {
    JobSpec c = config(dir, 1);
    Model m = DistributedEquivalenceTest.model(c.seed());
    Path ckpt = dir.resolve("c.bin");
    trainer(c, m).checkpoints(new Checkpoints.Policy(ckpt, 0, true)).run();
    byte[] good = Files.readAllBytes(ckpt);

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x40;
    Files.write(dir.resolve("flipped.bin"), flipped);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(dir.resolve("flipped.bin")))
        .getMessage().contains("corrupt"));

    Files.write(dir.resolve("short.bin"), java.util.Arrays.copyOf(good, good.length / 3));
    assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(dir.resolve("short.bin")));

    Files.writeString(dir.resolve("text.bin"), "hello");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(dir.resolve("text.bin")))
        .getMessage().contains("not a bigbatch checkpoint"));

    assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(dir.resolve("absent.bin")))
        .getMessage().contains("does not exist"));

    JobSpec.Builder other = JobSpec.builder();
    other.model.architecture = "resnet8";
    other.model.width = 4;
    other.batch.perWorker = 4;
    other.batch.workers = 2; // a different worker count: per-worker BN and the schedule would silently change
    other.epochs = 1;
    other.lr.warmupEpochs = 0.5;
    other.lr.baseBatch = 16;
    other.output.dir = dir;
    JobSpec mismatched = other.build();
    Model m2 = DistributedEquivalenceTest.model(1);
    Checkpoints.State s = Checkpoints.load(ckpt);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer(mismatched, m2).resumeFrom(s));
    assertTrue(e.getMessage().contains("workers=4") && e.getMessage().contains("workers=2"), e.getMessage());
  }
}
