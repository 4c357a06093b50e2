package dev.bigbatch;

import dev.bigbatch.engine.Natives;
import dev.bigbatch.engine.Torch;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Extracts and loads LibTorch once before any test runs, as the CLI does: a test that touches a torch class
 * first never triggers JavaCPP's crash-prone lazy extraction (see {@link Natives}), and the convolution check of
 * {@link Torch#init()} chooses the path before any test creates a oneDNN primitive (after that it could no longer
 * cap oneDNN's ISA; see {@code engine.ConvolutionCheck}).
 */
public final class NativesSessionListener implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    Torch.init();
  }
}
