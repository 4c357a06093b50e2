package dev.bigbatch.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.bytedeco.javacpp.Loader;

/**
 * Extracts the LibTorch native libraries into JavaCPP's cache before the first torch class loads.
 *
 * <p>Why: on a machine whose {@code ~/.javacpp/cache} is empty, JavaCPP 1.5.13 extracts and
 * {@code dlopen}s the libraries one at a time, and {@code libtorch.so} is loaded before
 * {@code libtorch_cpu.so} exists next to it; the JVM then dies with SIGSEGV in
 * {@code pthread_mutex_lock} (reproduced on every fresh cache here). Extracting the whole native
 * directories first makes the first load identical to every later one.
 */
public final class Natives {
  private static final String[] PRESETS = {"javacpp", "openblas", "pytorch"};
  private static volatile boolean cached;

  private Natives() {}

  /** Idempotent; call before touching any {@code org.bytedeco.pytorch} class. */
  public static synchronized void ensureCached() {
    if (cached) {
      return;
    }
    String platform = Loader.getPlatform();
    for (String preset : PRESETS) {
      try {
        Loader.cacheResources("/org/bytedeco/" + preset + "/" + platform + "/");
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot extract LibTorch natives for " + preset + " into " + cacheDirOrUnknown(), e);
      }
    }
    cached = true;
  }

  private static String cacheDirOrUnknown() {
    try {
      return Loader.getCacheDir().toString();
    } catch (IOException e) {
      return "the JavaCPP cache directory";
    }
  }

  /** Extracts the natives and exits; used by {@code .ci/run} and the launcher script. */
  public static void main(String[] args) {
    ensureCached();
  }
}
