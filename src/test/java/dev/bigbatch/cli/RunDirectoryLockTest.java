package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.train.RunLock;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs with the same --out (issue 17): the second is refused in one line and the first run's files are untouched. */
class RunDirectoryLockTest {
  @Test
  void aSecondRunIntoALiveRunsDirectoryIsRefusedAndChangesNothing(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    byte[] metrics = "{\"kind\":\"epoch\"}\n".getBytes();
    Files.write(out.resolve("metrics.jsonl"), metrics);
    try (RunLock live = RunLock.claim(out, 0)) { // the first run, still training
      TrainCommandTest.Outcome o = TrainCommandTest.run("train", "--model", "mlp", "--train-limit", "256", "--epochs", "1",
          "--threads", "1", "--out", out.toString());
      assertEquals(2, o.code(), o.err());
      assertTrue(o.err().contains("is in use by another run"), o.err());
      assertEquals(1, o.err().strip().lines().count(), o.err());
      assertArrayEquals(metrics, Files.readAllBytes(out.resolve("metrics.jsonl")));
    }
  }
}
