package dev.bigbatch.job;

import dev.bigbatch.comm.AllreduceAlgorithm;
import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.rendezvous.EnvWorld;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Decides from the environment whether this process is one worker of a job (launched by
 * {@code bigbatch launch}, mpirun or srun: rank, size, store address, secret and listen address come
 * from the environment, see {@link Communicators#fromEnv}) or a single process simulating all workers.
 *
 * <p>{@code BIGBATCH_ALLREDUCE=ring|halving-doubling|auto} forces the allreduce algorithm of every gradient
 * bucket (like {@code NCCL_ALGO}); unset or {@code auto} keeps the size rule of {@link CommOptions}
 * (halving-doubling below 256 KiB, ring above). It exists so that the algorithm {@code bigbatch plan}
 * recommends can be run, and so both can be measured against the plan (bench/plan-vs-measured.sh).
 */
public final class Cluster {
  private Cluster() {}

  /** True when a launcher (bigbatch launch, mpirun, srun) started this process as one rank of a job. */
  public static boolean launched(Map<String, String> env) {
    return env.containsKey(EnvWorld.RANK) || env.containsKey("OMPI_COMM_WORLD_RANK") || env.containsKey("SLURM_PROCID");
  }

  /** The intra-op threads of a process started by {@code bigbatch launch}: its share of the machine's cores. */
  public static final String THREADS_ENV = "BIGBATCH_THREADS";

  /**
   * This process in its job: a single process unless {@link #launched}, else one rank joined through the store the
   * environment names ({@link Communicators#fromEnv}).
   */
  public static Joined join(Map<String, String> env, double timeoutSeconds) {
    if (!launched(env)) {
      return Joined.singleProcess();
    }
    if (!(timeoutSeconds > 0)) {
      throw new IllegalArgumentException("--comm-timeout must be > 0 seconds, got " + timeoutSeconds);
    }
    return Joined.rank(Communicators.fromEnv(options(env, timeoutSeconds)));
  }

  public static final String ALLREDUCE_ENV = "BIGBATCH_ALLREDUCE";

  /** Communicator options from {@code --comm-timeout} and {@code BIGBATCH_ALLREDUCE}. */
  public static CommOptions options(Map<String, String> env, double timeoutSeconds) {
    CommOptions options = CommOptions.defaults().withTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000)));
    String algorithm = env.get(ALLREDUCE_ENV);
    if (algorithm == null || algorithm.isBlank()) {
      return options;
    }
    return options.withAlgorithm(switch (algorithm.trim().toLowerCase(Locale.ROOT)) {
      case "auto" -> AllreduceAlgorithm.AUTO;
      case "ring" -> AllreduceAlgorithm.RING;
      case "halving-doubling", "halving_doubling", "hd" -> AllreduceAlgorithm.HALVING_DOUBLING;
      default -> throw new IllegalArgumentException(ALLREDUCE_ENV + " must be ring, halving-doubling or auto, got '"
          + algorithm + "'");
    });
  }

  /**
   * Intra-op threads for this process: {@code --threads} if given; else the launcher's share ({@link #THREADS_ENV},
   * set by {@code launch}); else, in a single process, every core — LibTorch's own default is 1 on the 2-core machine,
   * which made the main job 1.45× slower (308 s vs 213 s, issue 18); else (a rank started by mpirun/srun, which cannot
   * know how many ranks share its host) 0, LibTorch's choice.
   */
  public static int intraOpThreads(int flag, Map<String, String> env, int cores) {
    if (flag < 0) {
      throw new IllegalArgumentException("--threads must be >= 0 (0: all cores), got " + flag);
    }
    if (flag > 0) {
      return flag;
    }
    String launched = env.get(THREADS_ENV);
    if (launched != null) {
      try {
        int n = Integer.parseInt(launched.trim());
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(THREADS_ENV + " must be a positive whole number of threads, got '" + launched
          + "'");
    }
    return launched(env) ? 0 : cores;
  }
}
