package dev.bigbatch.cli;

import dev.bigbatch.comm.AllreduceAlgorithm;
import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.rendezvous.EnvWorld;
import dev.bigbatch.train.DistributedReplicas;
import dev.bigbatch.train.Replicas;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Decides from the environment whether this process is one worker of a job (launched by
 * {@code bigbatch launch}, mpirun or srun: rank, size, store address, secret and listen address come
 * from the environment, see {@link Communicator#fromEnv}) or a single process simulating all workers.
 *
 * <p>{@code BIGBATCH_ALLREDUCE=ring|halving-doubling|auto} forces the allreduce algorithm of every gradient
 * bucket (like {@code NCCL_ALGO}); unset or {@code auto} keeps the size rule of {@link CommOptions}
 * (halving-doubling below 256 KiB, ring above). It exists so that the algorithm {@code bigbatch plan}
 * recommends can be run, and so both can be measured against the plan (bench/plan-vs-measured.sh).
 */
final class Cluster {
  private Cluster() {}

  static boolean launched(Map<String, String> env) {
    return env.containsKey(EnvWorld.RANK) || env.containsKey("OMPI_COMM_WORLD_RANK") || env.containsKey("SLURM_PROCID");
  }

  static Replicas join(Map<String, String> env, double timeoutSeconds, long bucketBytes, boolean overlap) {
    if (!launched(env)) {
      return Replicas.single();
    }
    if (!(timeoutSeconds > 0)) {
      throw new IllegalArgumentException("--comm-timeout must be > 0 seconds, got " + timeoutSeconds);
    }
    return new DistributedReplicas(Communicator.fromEnv(options(env, timeoutSeconds)), bucketBytes, overlap, null);
  }

  static final String ALLREDUCE_ENV = "BIGBATCH_ALLREDUCE";

  /** Communicator options from {@code --comm-timeout} and {@code BIGBATCH_ALLREDUCE}. */
  static CommOptions options(Map<String, String> env, double timeoutSeconds) {
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
}
