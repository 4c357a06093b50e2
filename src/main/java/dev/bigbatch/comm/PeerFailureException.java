package dev.bigbatch.comm;

/**
 * A peer died, stalled past the timeout, closed early, or violated the wire protocol.
 * {@link #peerRank()} names the rank at fault as seen by this rank (or as reported by another rank
 * that saw it first).
 */
public class PeerFailureException extends CommException {
  private final int peerRank;

  public PeerFailureException(int peerRank, String message) {
    super("rank " + peerRank + " failed: " + message);
    this.peerRank = peerRank;
  }

  public PeerFailureException(int peerRank, String message, Throwable cause) {
    super("rank " + peerRank + " failed: " + message, cause);
    this.peerRank = peerRank;
  }

  private PeerFailureException(PeerFailureException original) {
    super(original.getMessage(), original);
    this.peerRank = original.peerRank;
  }

  /** The rank that failed. */
  public int peerRank() {
    return peerRank;
  }

  /**
   * A copy thrown on the waiting thread, so its stack shows the wait; the original (from the I/O
   * thread) is the cause.
   */
  public PeerFailureException rethrownHere() {
    return new PeerFailureException(this);
  }
}
