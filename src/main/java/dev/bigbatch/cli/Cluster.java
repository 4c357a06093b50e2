package dev.bigbatch.cli;

import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.EnvWorld;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import dev.bigbatch.train.DistributedReplicas;
import dev.bigbatch.train.Replicas;
import java.time.Duration;
import java.util.Map;

/**
 * Decides from the environment whether this process is one worker of a job (launched by
 * {@code bigbatch launch}, mpirun or srun) or a single process simulating all workers.
 */
final class Cluster {
  static final String LISTEN_HOST = "BIGBATCH_LISTEN_HOST";

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
    WorldSpec world = EnvWorld.detect(env);
    JobSecret secret = JobSecret.fromEnv(env);
    CommOptions options = CommOptions.defaults().withTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000)));
    if (env.containsKey(LISTEN_HOST)) {
      options = options.withListenHost(env.get(LISTEN_HOST));
    }
    TcpStoreRendezvous rendezvous = TcpStoreRendezvous.fromEnv(world, secret, env, options.connectTimeout());
    Communicator comm = Communicator.connect(world, rendezvous, secret, options);
    return new DistributedReplicas(comm, bucketBytes, overlap, rendezvous);
  }
}
