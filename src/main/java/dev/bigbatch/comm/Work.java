package dev.bigbatch.comm;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Handle of an asynchronous communication operation. The operation's buffers belong to the communicator
 * until {@link #await()} returns; operations complete in the order they were issued.
 */
public final class Work {
  private final CompletableFuture<Void> done;

  Work(CompletableFuture<Void> done) {
    this.done = done;
  }

  /**
   * Blocks until the operation finished and its result is in the caller's buffers.
   *
   * @throws PeerFailureException if a peer failed (naming it). Typed buffers (FloatBuffer, DoubleBuffer)
   *     are then left exactly as they were; the in-place ByteBuffer allreduce may hold partial sums.
   * @throws CommException for other communication failures
   */
  public void await() {
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommException("interrupted while waiting for a collective", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof PeerFailureException pfe) {
        throw pfe.rethrownHere();
      }
      if (cause instanceof CommException ce) {
        throw new CommException(ce.getMessage(), ce);
      }
      throw new CommException("collective failed: " + cause, cause);
    }
  }

  /** Whether the operation has finished (successfully or not). */
  public boolean isDone() {
    return done.isDone();
  }
}
