package dev.bigbatch.train;

import dev.bigbatch.comm.AllreduceAlgorithm;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.DataType;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.comm.Work;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.spec.SyncSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Sums gradients over the replicas in buckets (PyTorch DDP's design). Parameters are assigned in
 * reverse order — the order backward produces their gradients — to flat float32 buckets of at most
 * {@code bucketBytes}. Every replica builds the same buckets from the same parameter order and
 * launches them in bucket order, so collectives are issued identically everywhere.
 *
 * <p>With {@code overlap}, an autograd hook on every parameter packs its final gradient (what has
 * accumulated in {@code grad()} from earlier chunks plus the incoming one) into its bucket during the
 * step's last backward; a bucket's allreduce starts as soon as its last parameter is packed, while
 * backward goes on computing earlier layers (Goyal et al. §4). Without overlap, buckets are packed
 * and launched after backward. Either way {@link #synchronize} waits for all buckets and writes the
 * sums back into {@code grad()}.
 *
 * <p>With {@link SyncSpec.Compression#FP16} each bucket is rounded to a binary16 copy ({@link HalfBucket})
 * right before its allreduce, the halves are summed, and the sum is decoded into the float32 bucket before
 * it is written back: half the bytes on the wire, the same bits on every replica. A bucket without a scale
 * yet, or whose half sum overflowed, goes as float32 (see {@link HalfBucket} for the rule).
 */
public final class GradientBuckets implements GradientSync {
  private record Slot(ModelParameter param, long offset) {}

  /** {@code half} is the bucket's binary16 copy with fp16 compression, else null. */
  private record Bucket(Tensor flat, ByteBuffer bytes, List<Slot> slots, HalfBucket half) {}

  private final Communicator comm;
  private final List<Bucket> buckets = new ArrayList<>();
  private final boolean overlap;
  private final List<VoidTensorHook> hooks = new ArrayList<>(); // referenced so the callbacks stay alive

  // Per-step overlap state; touched only on the thread that runs backward (CPU autograd runs there).
  private boolean armed;
  private int[] missing;
  private boolean[] packed;
  private final List<Work> inFlight = new ArrayList<>();
  private final List<Boolean> inFlightAsHalves = new ArrayList<>();
  private RuntimeException hookFailure;

  /**
   * Train's default bucket size ({@code --bucket-mb 0}): gradient bytes / 8, between 64 KB and 25 MB, so
   * even small models overlap several buckets with backward. {@code bigbatch plan} uses the same rule.
   */
  public static long autoBucketBytes(long gradientBytes) {
    return Math.max(64L << 10, Math.min(25L << 20, gradientBytes / 8));
  }

  public GradientBuckets(Communicator comm, List<ModelParameter> params, long bucketBytes, boolean overlap) {
    this(comm, params, bucketBytes, overlap, SyncSpec.Compression.NONE);
  }

  /** Buckets whose allreduce sends {@code compression}'s element type. */
  public GradientBuckets(Communicator comm, List<ModelParameter> params, long bucketBytes, boolean overlap,
      SyncSpec.Compression compression) {
    if (bucketBytes < Float.BYTES) {
      throw new IllegalArgumentException("--bucket-mb must be at least 4 bytes, got " + bucketBytes);
    }
    this.comm = comm;
    this.overlap = overlap;
    long[] paramBytes = new long[params.size()];
    for (int i = 0; i < paramBytes.length; i++) {
      paramBytes[i] = params.get(i).numel() * Float.BYTES;
    }
    int[] first = firstParams(paramBytes, bucketBytes);
    for (int b = 0; b < first.length; b++) {
      int end = b + 1 < first.length ? first[b + 1] : params.size();
      List<Slot> slots = new ArrayList<>();
      long filled = 0;
      for (int j = first[b]; j < end; j++) { // j-th parameter in reverse order
        ModelParameter p = params.get(params.size() - 1 - j);
        slots.add(new Slot(p, filled / Float.BYTES));
        filled += paramBytes[params.size() - 1 - j];
      }
      buckets.add(bucket(slots, filled, compression));
    }
    missing = new int[buckets.size()];
    packed = new boolean[buckets.size()];
    if (overlap) {
      for (int b = 0; b < buckets.size(); b++) {
        for (Slot s : buckets.get(b).slots()) {
          int bucket = b;
          VoidTensorHook hook = new VoidTensorHook() {
            @Override
            public void call(TensorBase incoming) {
              onGradient(bucket, s, incoming);
            }
          };
          hooks.add(hook);
          s.param().value().register_hook(hook);
        }
      }
    }
  }

  /**
   * Bytes of each bucket, in launch order, for parameters of {@code paramBytes} (in model order) and
   * buckets of at most {@code bucketBytes}: parameters are taken in reverse order and a bucket is closed
   * when the next parameter would overflow it (a parameter larger than a bucket gets one of its own).
   * {@code bigbatch plan} uses this to know the bucket count and the last bucket, which backward
   * produces last and which cannot overlap it.
   */
  public static long[] layout(long[] paramBytes, long bucketBytes) {
    int[] first = firstParams(paramBytes, bucketBytes);
    long[] sizes = new long[first.length];
    for (int b = 0; b < first.length; b++) {
      int end = b + 1 < first.length ? first[b + 1] : paramBytes.length;
      for (int j = first[b]; j < end; j++) {
        sizes[b] += paramBytes[paramBytes.length - 1 - j];
      }
    }
    return sizes;
  }

  /** Index, in reverse parameter order, of each bucket's first parameter. */
  private static int[] firstParams(long[] paramBytes, long bucketBytes) {
    List<Integer> first = new ArrayList<>();
    long filled = 0;
    for (int j = 0; j < paramBytes.length; j++) {
      long bytes = paramBytes[paramBytes.length - 1 - j];
      if (first.isEmpty() || filled + bytes > bucketBytes) {
        first.add(j);
        filled = 0;
      }
      filled += bytes;
    }
    return first.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Bucket bucket(List<Slot> slots, long bytes, SyncSpec.Compression compression) {
    Tensor flat = Memory.keep(torch.zeros(new long[] {bytes / Float.BYTES}, new TensorOptions(ScalarType.Float)));
    HalfBucket half = compression == SyncSpec.Compression.FP16 ? new HalfBucket((int) (bytes / Float.BYTES)) : null;
    return new Bucket(flat, Tensors.byteView(flat), List.copyOf(slots), half);
  }

  /**
   * With fp16 compression, over all buckets and steps so far: {nonzero elements sent as halves, of those
   * flushed to ±0, of those sent as subnormal halves, bucket sends in float32 (no scale yet or overflow)};
   * all zero without compression.
   */
  public long[] halfUnderflowCounts() {
    long[] counts = new long[4];
    for (Bucket b : buckets) {
      if (b.half() != null) {
        counts[0] += b.half().nonzero();
        counts[1] += b.half().flushedToZero();
        counts[2] += b.half().subnormal();
        counts[3] += b.half().floatSends();
      }
    }
    return counts;
  }

  public int bucketCount() {
    return buckets.size();
  }

  /** How many buckets of the current step have been launched so far (during backward, with overlap). */
  public int launchedSoFar() {
    return inFlight.size();
  }

  @Override
  public void beforeLastBackward() {
    if (!overlap) {
      return;
    }
    armed = true;
    for (int b = 0; b < buckets.size(); b++) {
      missing[b] = buckets.get(b).slots().size();
    }
    Arrays.fill(packed, false);
    inFlight.clear();
    inFlightAsHalves.clear();
    hookFailure = null;
  }

  /** Autograd hook: {@code incoming} is this step's last contribution to the parameter's gradient. */
  private void onGradient(int bucket, Slot slot, TensorBase incoming) {
    if (!armed || hookFailure != null) {
      return;
    }
    try {
      Tensor dst = buckets.get(bucket).flat().narrow(0, slot.offset(), slot.param().numel());
      dst.copy_(new Tensor(incoming).reshape(-1));
      Tensor earlier = slot.param().value().grad();
      if (earlier.defined()) {
        dst.add_(earlier.reshape(-1));
      }
      if (--missing[bucket] == 0) {
        packed[bucket] = true;
        launchPackedInOrder();
      }
    } catch (RuntimeException e) {
      hookFailure = e; // never throw into native autograd; synchronize() rethrows
    }
  }

  /** Launches buckets in bucket order as far as they are packed (same order on every replica). */
  private void launchPackedInOrder() {
    while (inFlight.size() < buckets.size() && packed[inFlight.size()]) {
      Bucket b = buckets.get(inFlight.size());
      boolean asHalves = b.half() != null && b.half().ready();
      if (asHalves) {
        b.half().encode(floats(b));
        inFlight.add(comm.allreduceAsync(b.half().wire(), DataType.FLOAT16, ReduceOp.SUM, AllreduceAlgorithm.AUTO));
      } else {
        inFlight.add(allreduceFloats(b));
      }
      inFlightAsHalves.add(asHalves);
    }
  }

  /** The smallest scale of any fp16 bucket that has one (tests use it in the error bound), else 0. */
  float smallestHalfScale() {
    float min = 0;
    for (Bucket b : buckets) {
      if (b.half() != null && b.half().ready()) {
        min = min == 0 ? b.half().scale() : Math.min(min, b.half().scale());
      }
    }
    return min;
  }

  /**
   * Checkpoint section {@code sync.fp16}: the scale of every fp16 bucket (by bucket index), as the float's bits so
   * that it comes back exactly.
   */
  record GradientScales(int[] buckets, int[] scaleBits) {
    GradientScales {
      if (buckets.length != scaleBits.length) {
        throw new IllegalArgumentException(buckets.length + " buckets but " + scaleBits.length + " scales");
      }
    }
  }

  static final Checkpoints.Section<GradientScales> SCALES = new Checkpoints.Section<>("sync.fp16", GradientScales.class);

  /**
   * With fp16 compression, every bucket's scale: without them a resumed run's first step would go as float32 and
   * round differently from the uninterrupted run.
   */
  @Override
  public Checkpoints.State checkpoint(Checkpoints.State state) {
    List<Integer> index = new ArrayList<>();
    List<Integer> bits = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) {
      HalfBucket half = buckets.get(i).half();
      if (half != null) {
        index.add(i);
        bits.add(Float.floatToIntBits(half.scale()));
      }
    }
    return index.isEmpty() ? state : state.with(SCALES, new GradientScales(
        index.stream().mapToInt(Integer::intValue).toArray(), bits.stream().mapToInt(Integer::intValue).toArray()));
  }

  /**
   * Takes the scales back when the checkpoint has one for each of this run's fp16 buckets; otherwise (written
   * without compression, or with another bucket layout) the buckets start without a scale, as a new run does.
   */
  @Override
  public void restore(CheckpointSections sections) {
    GradientScales saved = sections.get(SCALES).orElse(null);
    long halves = buckets.stream().filter(b -> b.half() != null).count();
    if (halves == 0 || saved == null || saved.buckets().length != halves) {
      return;
    }
    for (int j = 0; j < saved.buckets().length; j++) {
      int i = saved.buckets()[j];
      HalfBucket half = i >= 0 && i < buckets.size() ? buckets.get(i).half() : null;
      if (half != null) {
        half.restoreScale(Float.intBitsToFloat(saved.scaleBits()[j]));
      }
    }
  }

  private Work allreduceFloats(Bucket b) {
    return comm.allreduceAsync(b.bytes().duplicate().order(b.bytes().order()), DataType.FLOAT32, ReduceOp.SUM,
        AllreduceAlgorithm.AUTO);
  }

  /**
   * With fp16 compression, after bucket {@code b}'s allreduce: decodes the half sum into the float32 bucket,
   * or, if it overflowed, sends the (still local) float32 bucket again (every replica sees the same halves,
   * so all of them do); then sets the bucket's next scale from the float32 sum.
   */
  private void finishHalves(Bucket b, boolean sentAsHalves) {
    HalfBucket half = b.half();
    if (half == null) {
      return;
    }
    if (sentAsHalves && half.sumFinite()) {
      half.decode(floats(b));
    } else {
      if (sentAsHalves) {
        allreduceFloats(b).await();
      }
      half.sentAsFloat();
    }
    half.rescale(floats(b));
  }

  private static java.nio.FloatBuffer floats(Bucket b) {
    return b.bytes().duplicate().order(b.bytes().order()).asFloatBuffer();
  }

  @Override
  public void synchronize(List<ModelParameter> params) {
    try (NoGradGuard g = new NoGradGuard()) {
      if (!armed) {
        Arrays.fill(packed, false);
        inFlight.clear();
        inFlightAsHalves.clear();
      }
      if (hookFailure != null) {
        throw hookFailure;
      }
      // Pack whatever backward did not (no overlap, or parameters that got no gradient), in order.
      for (int b = 0; b < buckets.size(); b++) {
        if (!packed[b]) {
          for (Slot s : buckets.get(b).slots()) {
            Tensor grad = s.param().value().grad();
            Tensor dst = buckets.get(b).flat().narrow(0, s.offset(), s.param().numel());
            if (grad.defined()) {
              dst.copy_(grad.reshape(-1));
            } else {
              dst.zero_();
            }
          }
          packed[b] = true;
        }
      }
      launchPackedInOrder();
      for (int b = 0; b < buckets.size(); b++) {
        inFlight.get(b).await();
        finishHalves(buckets.get(b), inFlightAsHalves.get(b));
        for (Slot s : buckets.get(b).slots()) {
          Tensor w = s.param().value();
          Tensor grad = w.grad();
          if (grad.defined()) {
            grad.copy_(buckets.get(b).flat().narrow(0, s.offset(), s.param().numel()).view(Tensors.shape(w)));
          }
        }
      }
    } finally {
      armed = false;
    }
  }
}
