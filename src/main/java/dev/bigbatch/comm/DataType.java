package dev.bigbatch.comm;

/**
 * Element type of a communication buffer, in native byte order. Typed buffers map to types:
 * {@link java.nio.FloatBuffer} is FLOAT32, {@link java.nio.DoubleBuffer} FLOAT64, and a
 * {@link java.nio.ShortBuffer} holds FLOAT16 bit patterns ({@link Float16}).
 */
public enum DataType {
  /**
   * IEEE binary16 (see {@link Float16}). Sums are rounded to half after every addition, like NCCL's and
   * Gloo's fp16 sum: each hop of a collective adds two halves and sends the rounded half on.
   */
  FLOAT16(Short.BYTES),
  FLOAT32(Float.BYTES),
  FLOAT64(Double.BYTES);

  private final int bytes;

  DataType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }
}
