package dev.bigbatch.comm.transport;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.PeerFailureException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Completion handle of one posted send or receive. Completed by the transport, awaited by an algorithm. */
public final class Request {
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  /** Blocks until the message is sent (handed to the OS) or received; throws if the transport failed. */
  public void await() {
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommException("interrupted while waiting for a message", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof PeerFailureException pfe) {
        throw pfe.rethrownHere();
      }
      throw new CommException(String.valueOf(cause.getMessage()), cause);
    }
  }

  /** Whether the request has completed (successfully or not). */
  public boolean isDone() {
    return done.isDone();
  }

  /** For transport implementations: the message went out or arrived. */
  public void complete() {
    done.complete(null);
  }

  /** For transport implementations: the message will never go out or arrive. */
  public void fail(CommException cause) {
    done.completeExceptionally(cause);
  }
}
