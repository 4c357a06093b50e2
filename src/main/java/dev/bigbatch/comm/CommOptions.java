package dev.bigbatch.comm;

import java.time.Duration;
import java.util.Objects;

/**
 * Communicator settings.
 *
 * @param timeout peer liveness timeout: a peer from which no byte (data or heartbeat) arrives for this
 *     long is declared failed; every rank then fails within about 1.25x this duration
 * @param connectTimeout how long rendezvous and connection setup may take (processes start at
 *     different times)
 * @param algorithm allreduce algorithm, or {@link AllreduceAlgorithm#AUTO}
 * @param autoThresholdBytes with AUTO, buffers smaller than this use halving-doubling, others the ring
 * @param chunkBytes pipelining granularity: messages are split into chunks of at most this many bytes
 * @param listenHost address this rank listens on for its peers and publishes to the rendezvous
 * @param operationTimeout how long a receive may wait for a peer that is alive (heartbeating) but does not
 *     send, e.g. because it never reached this collective (uneven number of steps, stuck data loader); the
 *     operation then fails naming that peer. Like torch's process-group timeout; 30 min by default
 */
public record CommOptions(
    Duration timeout,
    Duration connectTimeout,
    AllreduceAlgorithm algorithm,
    int autoThresholdBytes,
    int chunkBytes,
    String listenHost,
    Duration operationTimeout) {

  public CommOptions {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(operationTimeout, "operationTimeout");
    if (operationTimeout.toMillis() < 100) {
      throw new IllegalArgumentException("operationTimeout must be >= 100 ms, got " + operationTimeout);
    }
    if (timeout.toMillis() < 100) {
      throw new IllegalArgumentException("timeout must be >= 100 ms, got " + timeout);
    }
    if (connectTimeout.toMillis() < 100) {
      throw new IllegalArgumentException("connectTimeout must be >= 100 ms, got " + connectTimeout);
    }
    if (chunkBytes < 1024) {
      throw new IllegalArgumentException("chunkBytes must be >= 1024, got " + chunkBytes);
    }
    if (autoThresholdBytes < 0) {
      throw new IllegalArgumentException("autoThresholdBytes must be >= 0, got " + autoThresholdBytes);
    }
  }

  /** 30 s liveness timeout, 120 s connect timeout, AUTO at 256 KiB, 1 MiB chunks, loopback, 30 min per operation. */
  public static CommOptions defaults() {
    return new CommOptions(Duration.ofSeconds(30), Duration.ofSeconds(120), AllreduceAlgorithm.AUTO,
        256 * 1024, 1 << 20, "127.0.0.1", Duration.ofMinutes(30));
  }

  public CommOptions withTimeout(Duration t) {
    return new CommOptions(t, connectTimeout, algorithm, autoThresholdBytes, chunkBytes, listenHost, operationTimeout);
  }

  public CommOptions withConnectTimeout(Duration t) {
    return new CommOptions(timeout, t, algorithm, autoThresholdBytes, chunkBytes, listenHost, operationTimeout);
  }

  public CommOptions withAlgorithm(AllreduceAlgorithm a) {
    return new CommOptions(timeout, connectTimeout, a, autoThresholdBytes, chunkBytes, listenHost, operationTimeout);
  }

  public CommOptions withChunkBytes(int bytes) {
    return new CommOptions(timeout, connectTimeout, algorithm, autoThresholdBytes, bytes, listenHost, operationTimeout);
  }

  public CommOptions withListenHost(String host) {
    return new CommOptions(timeout, connectTimeout, algorithm, autoThresholdBytes, chunkBytes, host, operationTimeout);
  }

  public CommOptions withOperationTimeout(Duration t) {
    return new CommOptions(timeout, connectTimeout, algorithm, autoThresholdBytes, chunkBytes, listenHost, t);
  }
}
