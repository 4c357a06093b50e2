package dev.bigbatch.comm;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.List;

/**
 * Packs typed buffers into one contiguous native-order byte buffer and back. Needed because a
 * {@link FloatBuffer} does not expose its bytes to a socket; it also fuses lists of buffers into one
 * message (like a DDP gradient bucket). Grows on demand and is reused; used by one thread at a time.
 */
final class Staging {
  private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

  /** A native-order view of the first {@code bytes} bytes, growing if needed. */
  ByteBuffer take(long bytes) {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("buffers too large for one collective: " + bytes + " bytes");
    }
    if (buffer.capacity() < bytes) {
      buffer = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }
    return buffer.slice(0, (int) bytes).order(ByteOrder.nativeOrder());
  }

  static long bytesOf(List<? extends Buffer> bufs, DataType type) {
    long total = 0;
    for (Buffer b : bufs) {
      total += (long) b.remaining() * type.bytes();
    }
    return total;
  }

  static DataType typeOf(Buffer b) {
    if (b instanceof FloatBuffer) {
      return DataType.FLOAT32;
    }
    if (b instanceof DoubleBuffer) {
      return DataType.FLOAT64;
    }
    if (b instanceof ShortBuffer) {
      return DataType.FLOAT16; // binary16 bit patterns
    }
    throw new IllegalArgumentException("unsupported buffer type " + b.getClass().getName());
  }

  /** Copies every buffer's position..limit into {@code dst}, back to back. */
  static void pack(List<? extends Buffer> bufs, ByteBuffer dst) {
    int at = 0;
    for (Buffer b : bufs) {
      if (b instanceof FloatBuffer f) {
        dst.slice(at, f.remaining() * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer().put(f.duplicate());
        at += f.remaining() * Float.BYTES;
      } else if (b instanceof DoubleBuffer d) {
        dst.slice(at, d.remaining() * Double.BYTES).order(ByteOrder.nativeOrder()).asDoubleBuffer().put(d.duplicate());
        at += d.remaining() * Double.BYTES;
      } else if (b instanceof ShortBuffer h) {
        dst.slice(at, h.remaining() * Short.BYTES).order(ByteOrder.nativeOrder()).asShortBuffer().put(h.duplicate());
        at += h.remaining() * Short.BYTES;
      }
    }
  }

  /** Copies {@code src} back into every buffer's position..limit (positions unchanged). */
  static void unpack(ByteBuffer src, List<? extends Buffer> bufs) {
    int at = 0;
    for (Buffer b : bufs) {
      if (b instanceof FloatBuffer f) {
        int bytes = f.remaining() * Float.BYTES;
        f.duplicate().put(src.slice(at, bytes).order(ByteOrder.nativeOrder()).asFloatBuffer());
        at += bytes;
      } else if (b instanceof DoubleBuffer d) {
        int bytes = d.remaining() * Double.BYTES;
        d.duplicate().put(src.slice(at, bytes).order(ByteOrder.nativeOrder()).asDoubleBuffer());
        at += bytes;
      } else if (b instanceof ShortBuffer h) {
        int bytes = h.remaining() * Short.BYTES;
        h.duplicate().put(src.slice(at, bytes).order(ByteOrder.nativeOrder()).asShortBuffer());
        at += bytes;
      }
    }
  }
}
