package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The hidden {@code --trace-steps/--trace-dir} options: bad input gets one line and exit 2; absent from --help. */
class TraceFlagsTest {
  @Test
  void badTraceFlagsAreRejected(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    TrainCommandTest.assertRejected("--trace-steps 2 --trace-dir " + file, "--trace-dir " + file + " is a file", dir);
    TrainCommandTest.assertRejected("--trace-steps 0 --trace-dir " + dir.resolve("t"), "--trace-steps must be > 0", dir);
    TrainCommandTest.assertRejected("--trace-steps 2", "--trace-steps needs --trace-dir DIR", dir);
    TrainCommandTest.assertRejected("--trace-dir " + dir.resolve("t"), "--trace-dir needs --trace-steps N", dir);
    Path used = Files.createDirectories(dir.resolve("used"));
    Files.writeString(used.resolve("index.json"), "{}");
    TrainCommandTest.assertRejected("--trace-steps 2 --trace-dir " + used, "already holds a trace", dir);
    TrainCommandTest.assertRejected("--trace-steps 2 --trace-dir " + dir.resolve("t") + " --conadv",
        "--trace-steps cannot be combined with --conadv", dir);
  }

  @Test
  void hiddenFromHelp() {
    String help = new CommandLine(new TrainCommand()).getUsageMessage();
    assertFalse(help.contains("--trace"), help);
    assertEquals(true, help.contains("--workers"));
  }
}
