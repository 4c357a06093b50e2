package dev.bigbatch.comm.transport;

import java.nio.ByteBuffer;

/** Asynchronous, ordered messaging with one peer (Gloo's "pair"). */
public interface Pair {
  /** The peer's rank. */
  int peer();

  /**
   * Sends the bytes between {@code data}'s position and limit as one message. The caller must not modify
   * them until the request completes; {@code data}'s position is not changed.
   */
  Request send(int tag, ByteBuffer data);

  /**
   * Receives the next message from the peer into {@code dst}'s position..limit; the message must have
   * exactly that many bytes and the same tag. {@code dst}'s position is not changed.
   */
  Request recv(int tag, ByteBuffer dst);
}
