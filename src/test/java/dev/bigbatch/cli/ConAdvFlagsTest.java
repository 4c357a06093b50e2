package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bigbatch.spec.ExtrasSpec;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --conadv*} flags: defaults, and bad input as one line naming the flag, exit 2, nothing written. */
class ConAdvFlagsTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--conadv-eps 0.1 | --conadv-eps needs --conadv",
      "--conadv-mix 0.3 | --conadv-mix needs --conadv",
      "--conadv-steps 3 | --conadv-steps needs --conadv",
      "--conadv-inline | --conadv-inline needs --conadv",
      "--conadv --conadv-eps 0 | --conadv-eps must be a positive number",
      "--conadv --conadv-eps -0.1 | --conadv-eps must be a positive number",
      "--conadv --conadv-eps Infinity | --conadv-eps must be a positive number",
      "--conadv --conadv-mix 1.5 | --conadv-mix must be in [0, 1]",
      "--conadv --conadv-mix -0.1 | --conadv-mix must be in [0, 1]",
      "--conadv --conadv-steps 0 | --conadv-steps must be >= 1",
      "--conadv --batch auto | --conadv cannot be combined with --batch auto",
      "--conadv --sync decentralized | --conadv is not supported with --sync decentralized",
  })
  void badConAdvFlagsGetOneLineAndExitTwo(String flags, String expected, @TempDir Path dir) {
    TrainCommandTest.assertRejected(flags, expected, dir);
  }

  @Test
  void defaultsAndOff() {
    assertFalse(TrainCommand.parse().spec().extras().conAdv(), "no --conadv: no ConAdv object, the clean-only step");
    ExtrasSpec on = TrainCommand.parse("--conadv").spec().extras();
    assertEquals(List.of(0.1, 0.5, 1, false), List.of(on.conAdvEpsilon(), on.conAdvMixWeight(), on.conAdvStepCount(),
        on.conAdvInline()));
    ExtrasSpec set = TrainCommand.parse("--conadv", "--conadv-eps", "0.2", "--conadv-mix", "0.25", "--conadv-steps", "3",
        "--conadv-inline").spec().extras();
    assertEquals(List.of(0.2, 0.25, 3, true), List.of(set.conAdvEpsilon(), set.conAdvMixWeight(), set.conAdvStepCount(),
        set.conAdvInline()));
  }
}
