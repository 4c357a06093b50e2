package dev.bigbatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The convolution path this JVM runs on computes what float64 computes. On a CPU where LibTorch's default oneDNN
 * kernels are wrong (AMD Zen 5 under a hypervisor without cache topology) the first test fails unless the start-up
 * check chose another path: run it with {@code -Dbigbatch.onednn=on} there to see it fail.
 */
class ConvolutionCheckTest {
  @Test
  void theChosenPathComputesEveryProblemLikeFloat64() {
    ConvolutionCheck.Backend backend = ConvolutionCheck.backend();
    assertNotNull(backend);
    List<ConvolutionCheck.Finding> findings = ConvolutionCheck.compareAll();
    assertEquals(8 * 3, findings.size());
    for (ConvolutionCheck.Finding f : findings) {
      assertFalse(f.wrong(), "on backend " + backend + ": " + f);
    }
    if (!ConvolutionCheck.defaultFailures().isEmpty()) {
      assertEquals(ConvolutionCheck.Backend.ONEDNN_SSE41, backend, "the default path was wrong: " + ConvolutionCheck.defaultFailures());
    }
  }

  @Test
  void aNanOrLargeErrorIsWrongAndRoundingIsNot() {
    assertTrue(new ConvolutionCheck.Finding("p", "forward", Double.NaN).wrong());
    assertTrue(new ConvolutionCheck.Finding("p", "forward", 0.3).wrong());
    assertTrue(new ConvolutionCheck.Finding("p", "forward", 2e-4).wrong());
    assertFalse(new ConvolutionCheck.Finding("p", "forward", 4e-6).wrong());
  }

  @Test
  void theChildsReportIsReadBackFindingByFinding() {
    String out = "[W NNPACK.cpp:56] noise\nfinding\tconv n4 c4->4 12x12 k3 s1 p1\tbackward-data\tNaN\n"
        + "finding\tconv n2 c24->16 8x8 k3 s1 p1\tforward\t0.38\n\ndone\n";
    List<ConvolutionCheck.Finding> f = ConvolutionCheck.parseFindings(out);
    assertEquals(2, f.size());
    assertEquals("conv n4 c4->4 12x12 k3 s1 p1", f.get(0).problem());
    assertEquals("backward-data", f.get(0).pass());
    assertTrue(Double.isNaN(f.get(0).relativeError()));
    assertEquals(0.38, f.get(1).relativeError());
    assertTrue(ConvolutionCheck.parseFindings("\ndone\n").isEmpty());
  }

  @Test
  void anUnknownSettingIsRejectedNamingTheVariable() {
    String old = System.getProperty("bigbatch.onednn");
    System.setProperty("bigbatch.onednn", "fast");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ConvolutionCheck::setting);
      assertTrue(e.getMessage().contains("BIGBATCH_ONEDNN") && e.getMessage().contains("'fast'"), e.getMessage());
      System.setProperty("bigbatch.onednn", "SSE41");
      assertEquals("sse41", ConvolutionCheck.setting());
    } finally {
      if (old == null) {
        System.clearProperty("bigbatch.onednn");
      } else {
        System.setProperty("bigbatch.onednn", old);
      }
    }
  }
}
