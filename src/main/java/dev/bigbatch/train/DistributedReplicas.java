package dev.bigbatch.train;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelBuffer;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.spec.SyncSpec;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The synchronous strategy: replicas in separate processes kept bit-identical by summing their gradients with
 * allreduce in buckets ({@link GradientBuckets}, float32 or fp16 on the wire), through a {@link Communicator}. The
 * loss is already divided by the global batch k·n, so the sum is the global mean: no further normalisation.
 */
public final class DistributedReplicas implements Replicas {
  private final Communicator comm;
  private final long bucketBytes;
  private final boolean overlap;
  private final SyncSpec.Compression compression;
  private final AutoCloseable owned;
  private GradientBuckets lastSync;

  /**
   * @param overlap start each gradient bucket's allreduce during backward (autograd hooks)
   * @param compression how gradient buckets travel ({@code --grad-compression}); every rank must pass the same. A
   *     world of one rank ignores it (it sends nothing)
   * @param owned closed after the communicator (e.g. the rendezvous store rank 0 hosts), may be null
   */
  public DistributedReplicas(Communicator comm, long bucketBytes, boolean overlap, SyncSpec.Compression compression,
      AutoCloseable owned) {
    this.comm = comm;
    this.bucketBytes = bucketBytes;
    this.overlap = overlap;
    this.compression = java.util.Objects.requireNonNull(compression, "compression");
    this.owned = owned;
  }

  /**
   * With fp16 compression, one line on how this rank's gradient elements fared in binary16 so far
   * (flushed to zero, subnormal); else none.
   */
  @Override
  public Optional<String> summary() {
    if (compression != SyncSpec.Compression.FP16 || lastSync == null || comm.size() == 1) {
      return Optional.empty();
    }
    long[] c = lastSync.halfUnderflowCounts();
    return Optional.of(String.format(Locale.ROOT, "fp16 gradient compression (rank %d): of %d nonzero gradient elements sent as "
        + "scaled halves, %d (%.4f%%) flushed to zero, %d (%.4f%%) were subnormal (< 2^-14); %d bucket sends went as "
        + "float32 (first step, or an overflowed half sum)", rank(), c[0], c[1], 100.0 * c[1] / Math.max(1, c[0]), c[2],
        100.0 * c[2] / Math.max(1, c[0]), c[3]));
  }

  /** The communicator under these replicas. */
  public Communicator communicator() {
    return comm;
  }

  @Override
  public long bytesSent() {
    return comm.bytesSent();
  }

  @Override
  public int rank() {
    return comm.rank();
  }

  @Override
  public int size() {
    return comm.size();
  }

  @Override
  public void broadcastFromRankZero(Model model) {
    try (NoGradGuard g = new NoGradGuard()) {
      for (Tensor t : tensors(model, true)) {
        comm.broadcast(Tensors.view(t), 0);
      }
    }
  }

  @Override
  public GradientSync gradientSync(Model model) {
    // One rank sends nothing, so there is nothing to compress (and no reason to round its gradients).
    lastSync = new GradientBuckets(comm, model.params(), bucketBytes, overlap,
        comm.size() > 1 ? compression : SyncSpec.Compression.NONE);
    return lastSync;
  }

  @Override
  public void averageBuffers(Model model) {
    List<java.nio.FloatBuffer> views = new ArrayList<>();
    for (ModelBuffer b : model.buffers()) {
      views.add(Tensors.view(b.value()));
    }
    if (!views.isEmpty()) {
      comm.allreduce(views, ReduceOp.MEAN);
    }
  }

  @Override
  public void sum(double[] values) {
    DoubleBuffer buf = DoubleBuffer.wrap(values);
    comm.allreduce(buf, ReduceOp.SUM);
    buf.rewind();
    buf.get(values);
  }

  /** Compares a float64 checksum (sum and sum of squares of all parameters) across replicas. */
  @Override
  public void checkIdentical(Model model, long step) {
    double[] mine = new double[2];
    try (NoGradGuard g = new NoGradGuard()) {
      for (ModelParameter p : model.params()) {
        mine[0] += p.value().sum().item_double();
        mine[1] += p.value().square().sum().item_double();
      }
    }
    DoubleBuffer all = DoubleBuffer.allocate(2 * size());
    comm.allgather(DoubleBuffer.wrap(mine), all);
    for (int r = 0; r < size(); r++) {
      if (all.get(2 * r) != all.get(0) || all.get(2 * r + 1) != all.get(1)) {
        throw new ReplicaDriftException(String.format(Locale.ROOT,
            "replica drift at step %d: rank %d's parameter checksum (%.17g, %.17g) differs from rank 0's (%.17g, %.17g)",
            step, r, all.get(2 * r), all.get(2 * r + 1), all.get(0), all.get(1)));
      }
    }
  }

  private static List<Tensor> tensors(Model model, boolean withBuffers) {
    List<Tensor> out = new ArrayList<>();
    model.params().forEach(p -> out.add(p.value()));
    if (withBuffers) {
      model.buffers().forEach(b -> out.add(b.value()));
    }
    return out;
  }

  @Override
  public void close() {
    try {
      comm.close();
    } finally {
      if (owned != null) {
        try {
          owned.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + owned + ": " + e.getMessage(), e);
        }
      }
    }
  }
}
