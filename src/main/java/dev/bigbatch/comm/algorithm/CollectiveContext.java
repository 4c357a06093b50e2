package dev.bigbatch.comm.algorithm;

import dev.bigbatch.comm.transport.Transport;
import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/**
 * What every collective needs besides its buffers.
 *
 * @param transport the peers
 * @param tag the operation's sequence number; every message of this collective carries it
 * @param chunkBytes pipelining granularity in bytes
 * @param scratch returns a direct, native-order scratch buffer of at least the requested bytes, owned by
 *     the caller and reused between collectives (never used by two collectives at once)
 */
public record CollectiveContext(Transport transport, int tag, int chunkBytes, IntFunction<ByteBuffer> scratch) {
  int rank() {
    return transport.rank();
  }

  int size() {
    return transport.size();
  }

  int chunkElems(int elemBytes) {
    return Math.max(1, chunkBytes / elemBytes);
  }
}
