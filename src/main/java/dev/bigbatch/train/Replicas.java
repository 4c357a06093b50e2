package dev.bigbatch.train;

import dev.bigbatch.model.Model;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The sync strategy of a data-parallel job: how its replicas (one per process) agree, as the trainer sees them. A
 * single process ({@link #single()}) simulates all k workers itself and needs no communication; synchronous replicas
 * ({@link DistributedReplicas}) sum gradients with allreduce in buckets (float32 or fp16); decentralized replicas
 * ({@code train.decentralized.DecentralizedReplicas}) gossip parameters with their neighbours. Each strategy owns
 * its gradient normalisation ({@link #gradientSync}) and its summary line ({@link #summary}). {@code job.Job} picks
 * one from the spec's {@code SyncSpec}.
 */
public interface Replicas extends AutoCloseable {
  int rank();

  int size();

  /** Makes every replica start from rank 0's parameters and buffers. */
  void broadcastFromRankZero(Model model);

  /**
   * The gradient synchronisation for this model's parameters: whatever turns each replica's gradient of the loss
   * (normalised by the global batch k·n) into the gradient its optimizer steps with.
   */
  GradientSync gradientSync(Model model);

  /** Averages BN running statistics over the replicas (before evaluation and checkpoints). */
  void averageBuffers(Model model);

  /** Element-wise sum of {@code values} over the replicas, in place. */
  void sum(double[] values);

  /** Throws {@link ReplicaDriftException} if the replicas' parameters are not bit-identical. */
  void checkIdentical(Model model, long step);

  /**
   * Runs {@code evaluation} on the parameters that are the job's result at this point of epoch
   * {@code epoch}. Synchronous replicas are identical, so it just runs it; decentralized replicas
   * evaluate their average (and report how far apart they are).
   */
  default <T> T atConsensus(Model model, long epoch, Supplier<T> evaluation) {
    return evaluation.get();
  }

  /**
   * Saves the checkpoint the policy asks for at {@code path}; called on every replica at the same steps.
   * Synchronous replicas are identical: BN running statistics are averaged over the replicas (unless
   * {@code buffersAveraged}, as at epoch ends) and rank 0 writes {@code path}. Decentralized replicas each
   * write their own file instead.
   */
  default void saveCheckpoint(Path path, Model model, boolean buffersAveraged, Supplier<Checkpoints.State> state) {
    if (!buffersAveraged) {
      averageBuffers(model);
    }
    if (rank() == 0) {
      Checkpoints.save(path, state.get());
    }
  }

  /** One line for the end of the run about how the synchronisation fared on this replica, if it has one. */
  default Optional<String> summary() {
    return Optional.empty();
  }

  /** Bytes this process has sent to the other replicas so far (socket level); 0 for a single process. */
  default long bytesSent() {
    return 0;
  }

  @Override
  void close();

  /** One process that simulates every worker. */
  static Replicas single() {
    return new Replicas() {
      @Override
      public int rank() {
        return 0;
      }

      @Override
      public int size() {
        return 1;
      }

      @Override
      public void broadcastFromRankZero(Model model) {}

      @Override
      public GradientSync gradientSync(Model model) {
        return GradientSync.NONE;
      }

      @Override
      public void averageBuffers(Model model) {}

      @Override
      public void sum(double[] values) {}

      @Override
      public void checkIdentical(Model model, long step) {}

      @Override
      public void close() {}
    };
  }
}
