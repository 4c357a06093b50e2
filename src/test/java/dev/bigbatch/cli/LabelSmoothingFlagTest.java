package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --label-smoothing EPS}: ε in [0, 1), default 0 (plain cross-entropy); anything else is one line, exit 2. */
class LabelSmoothingFlagTest {
  @ParameterizedTest
  @ValueSource(strings = {"-0.1", "1", "1.5", "NaN"})
  void outOfRangeGetsOneLineAndExitTwo(String eps, @TempDir Path dir) {
    TrainCommandTest.assertRejected("--label-smoothing " + eps, "--label-smoothing must be in [0, 1)", dir);
  }

  @Test
  void defaultIsZeroAndTheFlagSetsIt() {
    assertEquals(0.0, TrainCommand.parse().spec().extras().labelSmoothing());
    assertEquals(0.1, TrainCommand.parse("--label-smoothing", "0.1").spec().extras().labelSmoothing());
  }
}
