package dev.bigbatch.comm;

/**
 * Who this process is in the job: its rank in {@code [0, size)} and the number of ranks.
 *
 * @param rank this process' rank, {@code 0 <= rank < size}
 * @param size number of ranks in the job, at least 1
 */
public record WorldSpec(int rank, int size) {
  public WorldSpec {
    if (size < 1) {
      throw new IllegalArgumentException("world size must be >= 1, got " + size
          + " (check BIGBATCH_WORLD_SIZE / OMPI_COMM_WORLD_SIZE / SLURM_NTASKS)");
    }
    if (rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank must be in [0, " + size + "), got " + rank
          + " (ranks are 0-based; check BIGBATCH_RANK / OMPI_COMM_WORLD_RANK / SLURM_PROCID)");
    }
  }
}
