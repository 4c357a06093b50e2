package dev.bigbatch.comm.transport;

/**
 * A connected group of ranks. Messages between two ranks are delivered in the order they were posted,
 * and each receive matches the next message from that peer; the message's tag and length must equal the
 * receive's, or the transport fails with a protocol error.
 */
public interface Transport extends AutoCloseable {
  /** This rank. */
  int rank();

  /** Number of ranks. */
  int size();

  /** The channel to {@code peer} ({@code peer != rank()}). */
  Pair pair(int peer);

  /**
   * Bytes this rank has written to its peers so far, as measured at the sockets: payloads plus frame
   * headers and heartbeats. Cheap (a counter per connection); safe to call from any thread.
   */
  long bytesSent();

  /** Flushes, says goodbye to the peers, and joins the transport's threads. */
  @Override
  void close();
}
