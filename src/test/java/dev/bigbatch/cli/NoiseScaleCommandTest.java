package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.diag.NoiseScale;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The console lines of {@code bigbatch noise-scale}: per-epoch values and the summary, also when |G|² is not resolved. */
class NoiseScaleCommandTest {
  @Test
  void summaryStatesTheCriticalBatch() {
    String line = NoiseScaleCommand.summary(new NoiseScale.Estimate(234, 0.05, 130.0, 2600.0), 32, 256);
    assertTrue(line.contains("B_simple = 2600.0 -> critical batch ~ 2600 examples"), line);
    assertTrue(line.contains("over 234 steps (B_small=32, B_big=256)"), line);
  }

  @Test
  void anUnresolvedGradientNormSaysSoInsteadOfPrintingNaN() {
    String line = NoiseScaleCommand.summary(new NoiseScale.Estimate(4212, -0.0097, 164.1, Double.NaN), 32, 256);
    assertFalse(line.contains("NaN"), line);
    assertTrue(line.contains("B_simple cannot be resolved"), line);
  }

  @Test
  void perEpochLinesNameTheStepsOfEachEpoch() {
    String text = NoiseScaleCommand.perEpoch(List.of(new NoiseScale.Estimate(234, 0.29, 59.2, 202.0),
        new NoiseScale.Estimate(234, -0.008, 184.3, Double.NaN), new NoiseScale.Estimate(100, 0.07, 159.2, 2259.0)), 234);
    String[] lines = text.split("\\R");
    assertEquals(4, lines.length, text);
    assertTrue(lines[1].contains("epoch 0 (steps 0-233)") && lines[1].endsWith("B_simple = 202"), lines[1]);
    assertTrue(lines[2].contains("epoch 1 (steps 234-467)") && lines[2].endsWith("n/a (|G|^2 <= 0)"), lines[2]);
    assertTrue(lines[3].contains("epoch 2 (steps 468-567)"), lines[3]);
  }
}
