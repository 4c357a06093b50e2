package dev.bigbatch;

import dev.bigbatch.engine.Natives;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Extracts the LibTorch natives once before any test runs, so a test that touches a torch class
 * first never triggers JavaCPP's crash-prone lazy extraction (see {@link Natives}).
 */
public final class NativesSessionListener implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    Natives.ensureCached();
  }
}
