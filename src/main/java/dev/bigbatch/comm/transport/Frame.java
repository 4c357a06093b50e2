package dev.bigbatch.comm.transport;

import java.nio.ByteBuffer;

/**
 * Wire framing after the handshake: a 16-byte header {@code magic:int32 type:int8 pad:3 tag:int32
 * length:int32} (big-endian) followed by {@code length} payload bytes (DATA only).
 */
final class Frame {
  static final int HEADER_BYTES = 16;
  static final int MAGIC = 0x42424654; // "BBFT"
  static final byte DATA = 1;
  /** Liveness only; no payload. */
  static final byte HEARTBEAT = 2;
  /** Sender closes its communicator cleanly; nothing follows. */
  static final byte GOODBYE = 3;
  /** Sender failed; the tag holds the rank it blames (or -1 for itself). */
  static final byte ABORT = 4;

  private Frame() {
  }

  static void writeHeader(ByteBuffer h, byte type, int tag, int length) {
    h.clear();
    h.putInt(MAGIC).put(type).put((byte) 0).put((byte) 0).put((byte) 0).putInt(tag).putInt(length);
    h.flip();
  }
}
