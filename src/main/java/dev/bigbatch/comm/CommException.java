package dev.bigbatch.comm;

/** A communication operation failed; the communicator is unusable afterwards and must be closed. */
public class CommException extends RuntimeException {
  public CommException(String message) {
    super(message);
  }

  public CommException(String message, Throwable cause) {
    super(message, cause);
  }
}
