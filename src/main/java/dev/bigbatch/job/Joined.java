package dev.bigbatch.job;

import dev.bigbatch.comm.Communicator;
import java.util.Objects;

/**
 * How this process joined its job, before a sync strategy is put on top ({@link SyncStrategies}): alone, simulating
 * every worker and sending nothing, or as one rank of a connected {@link Communicator}. The strategy built on it owns
 * and closes the communicator, then {@code owned}.
 *
 * @param comm the connected communicator; null for a single process ({@link #single()})
 * @param owned closed after the communicator (e.g. the rendezvous store rank 0 hosts); may be null
 */
public record Joined(Communicator comm, AutoCloseable owned) {
  private static final Joined SINGLE = new Joined(null, null);

  public Joined {
    if (comm == null && owned != null) {
      throw new IllegalArgumentException("a single process owns no rendezvous");
    }
  }

  /** One process that simulates every worker. */
  public static Joined singleProcess() {
    return SINGLE;
  }

  /** One rank of a job, over {@code comm}. */
  public static Joined rank(Communicator comm) {
    return rank(comm, null);
  }

  /** One rank of a job, over {@code comm}; {@code owned} is closed after it. */
  public static Joined rank(Communicator comm, AutoCloseable owned) {
    return new Joined(Objects.requireNonNull(comm, "comm"), owned);
  }

  /** True for a single process simulating every worker. */
  public boolean single() {
    return comm == null;
  }
}
