package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  @Test
  void aClaimedDirectoryIsRefusedNamingTheHolderUntilReleased(@TempDir Path dir) {
    Path out = dir.resolve("run");
    try (RunLock first = RunLock.claim(out, 0)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunLock.claim(out, 0));
      assertTrue(e.getMessage().startsWith("--out " + out + " is in use by another run (pid " + ProcessHandle.current().pid()
          + ")"), e.getMessage());
      RunLock.claim(out, 1).close(); // another rank of the same job has its own lock
    }
    RunLock.claim(out, 0).close(); // released
  }

  @Test
  void aFileInTheWayIsOneLineNamingTheFlag(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("plain"), "x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunLock.claim(file, 0));
    assertTrue(e.getMessage().startsWith("--out " + file + ": cannot claim the run directory"), e.getMessage());
    assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
  }
}
