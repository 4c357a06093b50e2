package dev.bigbatch.job;

import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.optim.Optimizers;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.DistributedReplicas;
import dev.bigbatch.train.GradientBuckets;
import dev.bigbatch.train.Replicas;
import dev.bigbatch.train.decentralized.Decentralized;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The one place a run's sync strategy is chosen from its {@link SyncSpec}: synchronous gradient allreduce in buckets
 * ({@link DistributedReplicas}, float32 or fp16 on the wire), or decentralized gossip of parameters
 * ({@link Decentralized}); a single process simulating every worker needs neither ({@link Replicas#single()}). Each
 * comes with the optimizer it steps with and the way a resumed run reads its checkpoint.
 */
final class SyncStrategies {
  private SyncStrategies() {}

  /**
   * The chosen strategy, its optimizer, and how a resumed run reads its checkpoint; closing it closes the replicas
   * (and the communicator under them).
   */
  record Strategy(Replicas replicas, Optimizer optimizer, Resume resume) implements AutoCloseable {
    @Override
    public void close() {
      replicas.close();
    }
  }

  /** Where a resumed run continues from, once joined. */
  @FunctionalInterface
  interface Resume {
    /**
     * @param checkpoint the {@code --resume} path
     * @param loaded what was read from {@code checkpoint} before joining (synchronous runs: one file for every rank),
     *     or null
     */
    Checkpoints.State from(Path checkpoint, Checkpoints.State loaded);
  }

  /**
   * Builds the strategy of {@code s.sync()} on {@code joined}, which it then owns (closed on failure, too). Rank 0 of
   * a decentralized run prints its graph to {@code console} and logs consensus into the run directory (appending when
   * {@code resuming}).
   */
  static Strategy create(JobSpec s, Joined joined, Model model, PrintStream console, boolean resuming) {
    SyncSpec sync = s.sync();
    // A decentralized run's compression is NONE (SyncSpec): its base replicas never send a gradient bucket anyway.
    Replicas replicas = joined.single() ? Replicas.single()
        : new DistributedReplicas(joined.comm(), bucketBytes(sync, model), sync.overlap(), sync.compression(),
            joined.owned());
    try {
      if (!sync.decentralized()) {
        return new Strategy(replicas, Optimizers.create(s.optimizer(), model.params()), (path, loaded) -> loaded);
      }
      Decentralized.Job job = Decentralized.setUp(sync, s, model, replicas, joined.comm(), s.output().dir(), console,
          resuming);
      // Each rank reads its own file, collectively (RankCheckpoints).
      return new Strategy(job.replicas(), job.optimizer(), (path, loaded) -> job.resume(path, s, model, console));
    } catch (RuntimeException | Error e) {
      try {
        replicas.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** {@code --bucket-mb}, or auto: gradient bytes / 8 between 64 KB and 25 MB. */
  static long bucketBytes(SyncSpec sync, Model model) {
    return sync.bucketMb() > 0 ? (long) (sync.bucketMb() * (1 << 20))
        : GradientBuckets.autoBucketBytes(model.paramCount() * Float.BYTES);
  }
}
