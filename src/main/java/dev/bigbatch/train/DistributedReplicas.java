package dev.bigbatch.train;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Buffer;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Param;
import dev.bigbatch.spec.SyncSpec;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** Replicas in separate processes, synchronised through a {@link Communicator}. */
public final class DistributedReplicas implements Replicas {
  private final Communicator comm;
  private final long bucketBytes;
  private final boolean overlap;
  private final AutoCloseable owned;
  private SyncSpec.Compression compression = SyncSpec.Compression.NONE;
  private GradientBuckets lastSync;

  /**
   * @param overlap start each gradient bucket's allreduce during backward (autograd hooks)
   * @param owned closed after the communicator (e.g. the rendezvous store rank 0 hosts), may be null
   */
  public DistributedReplicas(Communicator comm, long bucketBytes, boolean overlap, AutoCloseable owned) {
    this.comm = comm;
    this.bucketBytes = bucketBytes;
    this.overlap = overlap;
    this.owned = owned;
  }

  /**
   * Makes the gradient buckets of later {@link #gradientSync} calls travel as {@code compression}
   * ({@code --grad-compression}); every rank must set the same. A world of one rank ignores it. Returns this.
   */
  public DistributedReplicas compressGradients(SyncSpec.Compression compression) {
    this.compression = compression;
    return this;
  }

  /**
   * With fp16 compression, one line on how this rank's gradient elements fared in binary16 so far
   * (flushed to zero, subnormal), else null.
   */
  public String compressionSummary() {
    if (compression != SyncSpec.Compression.FP16 || lastSync == null || comm.size() == 1) {
      return null;
    }
    long[] c = lastSync.halfUnderflowCounts();
    return String.format(Locale.ROOT, "fp16 gradient compression (rank %d): of %d nonzero gradient elements sent as "
        + "scaled halves, %d (%.4f%%) flushed to zero, %d (%.4f%%) were subnormal (< 2^-14); %d bucket sends went as "
        + "float32 (first step, or an overflowed half sum)", rank(), c[0], c[1], 100.0 * c[1] / Math.max(1, c[0]), c[2],
        100.0 * c[2] / Math.max(1, c[0]), c[3]);
  }

  /** The communicator under these replicas (for decentralized training, which gossips over it). */
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
    for (Buffer b : model.buffers()) {
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
      for (Param p : model.params()) {
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
