package dev.bigbatch.comm.rendezvous;

import dev.bigbatch.comm.WorldSpec;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Reads this process' place in the job from the environment a launcher set up. Pass
 * {@code System.getenv()} in production and a map in tests.
 */
public final class EnvWorld {
  public static final String RANK = "BIGBATCH_RANK";
  public static final String WORLD_SIZE = "BIGBATCH_WORLD_SIZE";
  public static final String MASTER_ADDR = "BIGBATCH_MASTER_ADDR";
  public static final String MASTER_PORT = "BIGBATCH_MASTER_PORT";

  private EnvWorld() {
  }

  /**
   * Rank and size from {@code BIGBATCH_RANK/BIGBATCH_WORLD_SIZE}, else mpirun's
   * {@code OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE}, else Slurm's {@code SLURM_PROCID/SLURM_NTASKS}.
   */
  public static WorldSpec detect(Map<String, String> env) {
    String[][] modes = {
      {RANK, WORLD_SIZE},
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
      {"SLURM_PROCID", "SLURM_NTASKS"},
    };
    for (String[] m : modes) {
      String r = env.get(m[0]);
      String s = env.get(m[1]);
      if (r != null || s != null) {
        if (r == null || s == null) {
          throw new IllegalArgumentException("found only one of " + m[0] + " and " + m[1] + "; set both");
        }
        return new WorldSpec(parse(m[0], r), parse(m[1], s));
      }
    }
    throw new IllegalArgumentException("cannot tell this process' rank: set " + RANK + " and " + WORLD_SIZE
        + ", or start it with mpirun (OMPI_COMM_WORLD_*) or srun (SLURM_PROCID/SLURM_NTASKS)");
  }

  /** The rendezvous store's address from {@code BIGBATCH_MASTER_ADDR} and {@code BIGBATCH_MASTER_PORT}. */
  public static InetSocketAddress masterAddress(Map<String, String> env) {
    String host = env.get(MASTER_ADDR);
    String port = env.get(MASTER_PORT);
    if (host == null || host.isEmpty() || port == null) {
      throw new IllegalArgumentException("set " + MASTER_ADDR + " (host of rank 0) and " + MASTER_PORT
          + " (a free TCP port there) so the ranks can find each other");
    }
    int p = parse(MASTER_PORT, port);
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException(MASTER_PORT + " must be a TCP port in 1..65535, got " + p);
    }
    return new InetSocketAddress(host, p);
  }

  private static int parse(String name, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
    }
  }
}
