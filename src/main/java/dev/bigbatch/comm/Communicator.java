package dev.bigbatch.comm;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Collective and point-to-point communication among the ranks of a job (Gloo-style, over TCP).
 *
 * <p>Every operation has an asynchronous form returning a {@link Work} and a blocking form. Operations
 * run one at a time in the order they were issued, so all ranks must issue collectives in the same order
 * (and matching send/recv pairs in the same order between two ranks); issue them from one thread. A
 * buffer handed to an operation must not be touched until its {@code Work} completes. Typed buffers
 * (heap or direct) are staged through one internal contiguous buffer; the {@link ByteBuffer} forms work
 * in place.
 *
 * <p>Typical use, one process per rank started by a launcher (bigbatch, mpirun, srun), connected by
 * {@link Communicators}:
 * <pre>{@code
 * try (Communicator comm = Communicators.fromEnv(CommOptions.defaults())) {
 *     comm.allreduce(gradients, ReduceOp.SUM);          // blocking
 *     Work w = comm.allreduceAsync(bucket, ReduceOp.SUM); // overlap with other work, then
 *     w.await();
 * }
 * }</pre>
 *
 * <p>Failure: if any peer dies, stalls longer than {@link CommOptions#timeout()} or violates the
 * protocol, every pending and later operation on every rank fails with a {@link PeerFailureException}
 * naming it, within about 1.25x the timeout. A peer that is alive but never sends what an operation
 * waits for (it did not reach the collective: uneven step counts, a stuck loader) fails the operation after
 * {@link CommOptions#operationTimeout()}, naming the peer this rank was waiting on. The communicator must
 * then be closed.
 */
public interface Communicator extends AutoCloseable {
  /** This rank. */
  int rank();

  /** Number of ranks. */
  int size();

  /** Reduces {@code data}'s position..limit across ranks in place, with the configured algorithm. */
  default Work allreduceAsync(FloatBuffer data, ReduceOp op) {
    return allreduceAsync(List.of(data), op, AllreduceAlgorithm.AUTO);
  }

  default Work allreduceAsync(DoubleBuffer data, ReduceOp op) {
    return allreduceAsync(List.of(data), op, AllreduceAlgorithm.AUTO);
  }

  default Work allreduceAsync(FloatBuffer data, ReduceOp op, AllreduceAlgorithm algorithm) {
    return allreduceAsync(List.of(data), op, algorithm);
  }

  /**
   * Fused allreduce: all buffers (all {@link FloatBuffer} or all {@link DoubleBuffer}) are packed into
   * one message, reduced together and unpacked.
   *
   * @param algorithm AUTO uses {@link CommOptions#algorithm()} (and, if that is AUTO too, the size rule)
   */
  Work allreduceAsync(List<? extends java.nio.Buffer> buffers, ReduceOp op, AllreduceAlgorithm algorithm);

  /** Zero-copy allreduce of native-order elements between {@code data}'s position and limit. */
  Work allreduceAsync(ByteBuffer data, DataType type, ReduceOp op, AllreduceAlgorithm algorithm);

  /** Copies {@code root}'s buffer into every rank's buffer (same length everywhere). */
  Work broadcastAsync(java.nio.Buffer data, int root);

  /** Gathers every rank's {@code in} into {@code out} in rank order; {@code out} holds size x in. */
  Work allgatherAsync(java.nio.Buffer in, java.nio.Buffer out);

  /** Completes once every rank has entered the barrier. */
  Work barrierAsync();

  /** Sends {@code data} to {@code peer}; matched by that peer's next {@link #recvAsync} from this rank. */
  Work sendAsync(int peer, java.nio.Buffer data);

  /** Receives the next message {@code peer} sends to this rank; it must have exactly this many elements. */
  Work recvAsync(int peer, java.nio.Buffer data);

  default void allreduce(FloatBuffer data, ReduceOp op) {
    allreduceAsync(data, op).await();
  }

  default void allreduce(DoubleBuffer data, ReduceOp op) {
    allreduceAsync(data, op).await();
  }

  default void allreduce(List<? extends java.nio.Buffer> buffers, ReduceOp op) {
    allreduceAsync(buffers, op, AllreduceAlgorithm.AUTO).await();
  }

  default void broadcast(java.nio.Buffer data, int root) {
    broadcastAsync(data, root).await();
  }

  default void allgather(java.nio.Buffer in, java.nio.Buffer out) {
    allgatherAsync(in, out).await();
  }

  default void barrier() {
    barrierAsync().await();
  }

  default void send(int peer, java.nio.Buffer data) {
    sendAsync(peer, data).await();
  }

  default void recv(int peer, java.nio.Buffer data) {
    recvAsync(peer, data).await();
  }

  /**
   * Bytes this rank has sent to all peers so far, counted at the sockets (payload, frame headers,
   * heartbeats): the measured cost of the operations issued, for comparing algorithms.
   */
  long bytesSent();

  /** Lets issued operations finish, says goodbye to the peers, and joins every thread. */
  @Override
  void close();
}
