package dev.bigbatch.engine;

import java.util.function.Supplier;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;

/**
 * Process-wide LibTorch settings: native extraction, the convolution path ({@link ConvolutionCheck}),
 * intra-op thread count and the global seed.
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
      initialised = true; // before the check, which itself creates tensors
      try {
        ConvolutionCheck.ensure(); // before anything runs: oneDNN's convolutions are wrong on some CPUs (see its doc)
      } catch (RuntimeException e) {
        initialised = false;
        throw e;
      }
    }
  }

  /**
   * Sets LibTorch's intra-op thread count and OpenBLAS's (LibTorch's CPU GEMM for linear layers runs
   * in OpenBLAS, whose own pool otherwise keeps one thread per core whatever LibTorch is told);
   * {@code threads <= 0} keeps both defaults. Measured: an MLP step at kn = 8192 with {@code --threads 1}
   * still used 84–92 ms CPU per 41–46 ms step (two cores) before, 58 ms per 54–56 ms after; with four
   * processes on two shared cores the extra spinning pool made steps ~10× slower (docs/RESULTS-conadv.md).
   */
  public static void threads(int threads) {
    init();
    if (threads > 0) {
      torch.set_num_threads(threads);
      openblas_nolapack.blas_set_num_threads(threads);
    }
  }

  /** OpenBLAS's thread count (see {@link #threads(int)}). */
  public static int blasThreads() {
    init();
    return openblas_nolapack.blas_get_num_threads();
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
