package dev.bigbatch.cli;

import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.rendezvous.EnvWorld;
import dev.bigbatch.train.DistributedReplicas;
import dev.bigbatch.train.Replicas;
import java.time.Duration;
import java.util.Map;

/**
 * Decides from the environment whether this process is one worker of a job (launched by
 * {@code bigbatch launch}, mpirun or srun: rank, size, store address, secret and listen address come
 * from the environment, see {@link Communicator#fromEnv}) or a single process simulating all workers.
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
    CommOptions options = CommOptions.defaults().withTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000)));
    return new DistributedReplicas(Communicator.fromEnv(options), bucketBytes, overlap, null);
  }
}
