package dev.bigbatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code --threads N} must bound OpenBLAS's pool too, not only LibTorch's intra-op threads. */
class ThreadsTest {
  @Test
  void threadsSetsLibTorchAndOpenBlas() {
    int before = Torch.threads();
    try {
      Torch.threads(1);
      assertEquals(1, Torch.threads());
      assertEquals(1, Torch.blasThreads());
      Torch.threads(2);
      assertEquals(2, Torch.threads());
      assertEquals(2, Torch.blasThreads());
    } finally {
      Torch.threads(before);
    }
  }
}
