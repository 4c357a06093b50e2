package dev.bigbatch.engine;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Conversions between LibTorch tensors and Java buffers/arrays. */
public final class Tensors {
  private Tensors() {}

  /**
   * A zero-copy view of a contiguous float32 CPU tensor's storage as a direct {@link FloatBuffer}.
   * Writes through the buffer change the tensor. The buffer is valid only while {@code t}'s storage
   * lives: keep a reference to the tensor for as long as the buffer is used.
   */
  public static FloatBuffer view(Tensor t) {
    if (t.scalar_type().value != ScalarType.Float.value) {
      throw new IllegalArgumentException("view needs a float32 tensor, got " + t.scalar_type());
    }
    if (!t.is_contiguous()) {
      throw new IllegalArgumentException("view needs a contiguous tensor; call contiguous() first");
    }
    long n = t.numel();
    if (n == 0) {
      return FloatBuffer.allocate(0);
    }
    return new FloatPointer(t.data_ptr_float()).capacity(n).asBuffer();
  }

  /**
   * A zero-copy native-order {@link java.nio.ByteBuffer} over a contiguous float32 tensor's storage
   * (for the communicator's in-place allreduce). Same lifetime rule as {@link #view}.
   */
  public static java.nio.ByteBuffer byteView(Tensor t) {
    view(t); // validates dtype and contiguity
    long bytes = t.numel() * Float.BYTES;
    if (bytes == 0) {
      return java.nio.ByteBuffer.allocateDirect(0).order(java.nio.ByteOrder.nativeOrder());
    }
    return new org.bytedeco.javacpp.BytePointer(t.data_ptr_float()).capacity(bytes).asByteBuffer()
        .order(java.nio.ByteOrder.nativeOrder());
  }

  /** A new float32 tensor of the given shape holding a copy of {@code src}'s remaining floats. */
  public static Tensor fromFloats(FloatBuffer src, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(ScalarType.Float), null);
    FloatBuffer dst = view(t);
    if (dst.remaining() != src.remaining()) {
      throw new IllegalArgumentException(
          "shape holds " + dst.remaining() + " floats but the buffer has " + src.remaining());
    }
    dst.put(src.duplicate());
    return t;
  }

  /** A new float32 tensor holding a copy of {@code values}. */
  public static Tensor fromFloats(float[] values, long... shape) {
    return fromFloats(FloatBuffer.wrap(values), shape);
  }

  /** A new int64 tensor holding a copy of {@code values} (class labels). */
  public static Tensor fromLongs(long[] values) {
    Tensor t = torch.empty(new long[] {values.length}, new TensorOptions(ScalarType.Long), null);
    if (values.length > 0) {
      new org.bytedeco.javacpp.LongPointer(t.data_ptr_long()).capacity(values.length).put(values);
    }
    return t;
  }

  /** A copy of a float tensor's values (any layout) as a Java array. */
  public static float[] toFloats(Tensor t) {
    Tensor c = t.detach().contiguous();
    if (c.scalar_type().value != ScalarType.Float.value) {
      c = c.to(ScalarType.Float);
    }
    float[] out = new float[(int) c.numel()];
    view(c).get(out);
    return out;
  }

  /** The tensor's shape as a Java array. */
  public static long[] shape(Tensor t) {
    long[] s = new long[(int) t.dim()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.size(i);
    }
    return s;
  }

  /** Boxes a double as a LibTorch scalar. */
  public static Scalar scalar(double v) {
    return new Scalar(v);
  }
}
