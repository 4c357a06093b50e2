package dev.bigbatch.train;

/** Replicas that should be identical after a synchronous step are not. */
public final class ReplicaDriftException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReplicaDriftException(String message) {
    super(message);
  }
}
