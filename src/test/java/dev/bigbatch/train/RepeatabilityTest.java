package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same run twice in one JVM ends bit for bit in the same state. It caught nothing on Zen 4, and on Zen 5 it is
 * what failed at random (NaN loss, or two different results) while oneDNN's vectorised convolutions read memory they
 * had not written (docs/RESULTS-zen5.md). The two-JVM version is in cli.LaunchProcessTest.
 */
class RepeatabilityTest {
  @Test
  void theSameRunTwiceInOneJvmIsBitIdentical(@TempDir Path dir) {
    JobSpec.Builder b = TinyTrainer.config(dir);
    b.epochs = 2;
    b.data.augment = true;
    JobSpec c = b.build();
    Model first = DistributedEquivalenceTest.model(c.seed());
    TinyTrainer.trainer(c, first, DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST, List.of()).run();
    Model second = DistributedEquivalenceTest.model(c.seed());
    TinyTrainer.trainer(c, second, DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST, List.of()).run();
    for (int i = 0; i < first.params().size(); i++) {
      assertArrayEquals(Tensors.toFloats(first.params().get(i).value()), Tensors.toFloats(second.params().get(i).value()),
          first.params().get(i).name());
    }
    for (int i = 0; i < first.buffers().size(); i++) {
      assertArrayEquals(Tensors.toFloats(first.buffers().get(i).value()), Tensors.toFloats(second.buffers().get(i).value()),
          first.buffers().get(i).name());
    }
  }
}
