package dev.bigbatch.train;

import dev.bigbatch.comm.AllreduceAlgorithm;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.comm.Work;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Param;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Sums gradients over the replicas in buckets (PyTorch DDP's design): parameters are assigned in
 * reverse order — the order backward produces their gradients — to flat float32 buckets of at most
 * {@code bucketBytes}; each bucket's allreduce is issued as soon as it is filled, so bucket i travels
 * while bucket i+1 is being packed, and all complete before the optimizer step. Every replica builds
 * the same buckets from the same parameter order, so collectives are issued in the same order.
 */
public final class GradientBuckets implements GradientSync {
  private record Slot(Param param, long offset) {}

  private record Bucket(Tensor flat, ByteBuffer bytes, List<Slot> slots) {}

  private final Communicator comm;
  private final List<Bucket> buckets = new ArrayList<>();

  public GradientBuckets(Communicator comm, List<Param> params, long bucketBytes) {
    if (bucketBytes < Float.BYTES) {
      throw new IllegalArgumentException("--bucket-bytes must be at least 4, got " + bucketBytes);
    }
    this.comm = comm;
    List<Slot> current = new ArrayList<>();
    long filled = 0;
    for (int i = params.size() - 1; i >= 0; i--) {
      Param p = params.get(i);
      long bytes = p.numel() * Float.BYTES;
      if (!current.isEmpty() && filled + bytes > bucketBytes) {
        buckets.add(bucket(current, filled));
        current = new ArrayList<>();
        filled = 0;
      }
      current.add(new Slot(p, filled / Float.BYTES));
      filled += bytes;
    }
    if (!current.isEmpty()) {
      buckets.add(bucket(current, filled));
    }
  }

  private static Bucket bucket(List<Slot> slots, long bytes) {
    Tensor flat = Memory.keep(torch.zeros(new long[] {bytes / Float.BYTES}, new TensorOptions(ScalarType.Float)));
    return new Bucket(flat, Tensors.byteView(flat), List.copyOf(slots));
  }

  public int bucketCount() {
    return buckets.size();
  }

  @Override
  public void synchronize(List<Param> params) {
    List<Work> inFlight = new ArrayList<>(buckets.size());
    try (NoGradGuard g = new NoGradGuard()) {
      for (Bucket b : buckets) {
        for (Slot s : b.slots()) {
          Tensor grad = s.param().value().grad();
          Tensor dst = b.flat().narrow(0, s.offset(), s.param().numel());
          if (grad.defined()) {
            dst.copy_(grad.reshape(-1));
          } else {
            dst.zero_();
          }
        }
        inFlight.add(comm.allreduceAsync(b.bytes().duplicate().order(b.bytes().order()), DataType.FLOAT32,
            ReduceOp.SUM, AllreduceAlgorithm.AUTO));
      }
      for (int i = 0; i < buckets.size(); i++) {
        inFlight.get(i).await();
        for (Slot s : buckets.get(i).slots()) {
          Tensor w = s.param().value();
          Tensor src = buckets.get(i).flat().narrow(0, s.offset(), s.param().numel()).view(Tensors.shape(w));
          Tensor grad = w.grad();
          if (grad.defined()) {
            grad.copy_(src);
          }
        }
      }
    }
  }
}
