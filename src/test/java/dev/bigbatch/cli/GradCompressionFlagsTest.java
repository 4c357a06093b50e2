package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --grad-compression}: one-line errors (exit 2) for unknown values and where it does not apply. */
class GradCompressionFlagsTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--grad-compression bf16 | --grad-compression: unknown value 'bf16'; expected one of none, fp16",
      "--sync decentralized --grad-compression fp16 | --grad-compression fp16 only applies with --sync sync "
          + "(decentralized ranks average parameters, not gradients)",
  })
  void badCompressionFlagsGetOneLineAndExitTwo(String flags, String expected, @TempDir Path dir) {
    assertFalse(Files.exists(TrainCommandTest.assertRejected(flags, expected, dir)), "nothing written");
  }
}
