package dev.bigbatch.engine;

import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/**
 * Process-wide LibTorch settings: native extraction, intra-op thread count and the global seed.
 * Everything else in bigbatch takes its randomness from explicit seeds, never from here.
 */
public final class Torch {
  private static final Object GENERATOR = new Object();
  private static volatile boolean initialised;

  private Torch() {}

  /** Extracts natives (see {@link Natives}) and loads LibTorch; idempotent. */
  public static synchronized void init() {
    if (!initialised) {
      Natives.ensureCached();
      torch.get_num_threads(); // forces the native library to load now, not in the first step
      initialised = true;
    }
  }

  /** Sets LibTorch's intra-op thread count; {@code threads <= 0} keeps LibTorch's default. */
  public static void threads(int threads) {
    init();
    if (threads > 0) {
      torch.set_num_threads(threads);
    }
  }

  public static int threads() {
    init();
    return torch.get_num_threads();
  }

  /**
   * The OpenMP wait policy LibTorch's thread pool runs with: {@code OMP_WAIT_POLICY} as the process
   * was started (libgomp reads it once, when LibTorch loads; it cannot be changed from Java). The
   * {@code bigbatch} launcher sets PASSIVE unless told otherwise, because busy-waiting threads
   * collapse throughput on shared cores (docs/RESULTS-perf.md).
   */
  public static String ompWaitPolicy() {
    String p = System.getenv("OMP_WAIT_POLICY");
    return p == null || p.isBlank() ? "unset (libgomp default: spin, then sleep)" : p;
  }

  /** Seeds LibTorch's global generator (parameter initialisation, dropout). */
  public static void seed(long seed) {
    init();
    torch.manual_seed(seed);
  }

  /**
   * Seeds the global generator and runs {@code draw} while no other caller of this method can draw from
   * it, so that what {@code draw} creates (e.g. a model's initial parameters) depends on {@code seed} only.
   * Needed where several replicas share one JVM (Spark local mode, executors running several tasks):
   * their initialisations would otherwise interleave on the one process-wide generator.
   */
  public static <T> T seeded(long seed, Supplier<T> draw) {
    init();
    synchronized (GENERATOR) {
      torch.manual_seed(seed);
      return draw.get();
    }
  }
}
