package dev.bigbatch.spark;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.rendezvous.Rendezvous;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link Rendezvous} over one all-gather of strings, such as Spark's {@code BarrierTaskContext.allGather}:
 * every rank contributes {@code "<agreement>\t<ip>:<port>"} and reads everyone's. {@code agreement} is a
 * value all ranks must hold equal before they start (which checkpoint they resume from): a rank that
 * differs fails every rank here, before any step, instead of training from a different state.
 *
 * <p>The {@code timeout} of {@link #exchangeEndpoints} is not enforced here: an all-gather cannot be
 * cancelled. Spark bounds it with {@code spark.barrier.sync.timeout}.
 */
final class AllGatherRendezvous implements Rendezvous {
  private static final char SEPARATOR = '\t';

  private final Function<String, String[]> allGather;
  private final String agreement;

  /**
   * @param allGather contributes this rank's message and returns every rank's, index = rank
   * @param agreement what this rank believes all ranks share; must not contain a tab
   */
  AllGatherRendezvous(Function<String, String[]> allGather, String agreement) {
    if (agreement.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("agreement must not contain a tab: " + agreement);
    }
    this.allGather = allGather;
    this.agreement = agreement;
  }

  @Override
  public List<InetSocketAddress> exchangeEndpoints(WorldSpec world, InetSocketAddress self, Duration timeout) {
    String[] all = allGather.apply(agreement + SEPARATOR + self.getAddress().getHostAddress() + ":" + self.getPort());
    if (all.length != world.size()) {
      throw new CommException("rank " + world.rank() + ": the all-gather returned " + all.length
          + " endpoints for a world of " + world.size() + " ranks (one barrier task per rank?)");
    }
    List<InetSocketAddress> endpoints = new ArrayList<>(all.length);
    for (int r = 0; r < all.length; r++) {
      int tab = all[r].lastIndexOf(SEPARATOR);
      String theirs = tab < 0 ? null : all[r].substring(0, tab);
      if (!agreement.equals(theirs)) {
        throw new CommException("rank " + world.rank() + " and rank " + r + " disagree before starting: '"
            + agreement + "' vs '" + theirs + "' (do all executors see the same --out directory? it must be"
            + " on a filesystem they share)");
      }
      endpoints.add(parse(all[r].substring(tab + 1), r));
    }
    return endpoints;
  }

  private static InetSocketAddress parse(String hostPort, int rank) {
    int colon = hostPort.lastIndexOf(':');
    try {
      if (colon > 0) {
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
      }
    } catch (IllegalArgumentException e) {
      // fall through to the error below
    }
    throw new CommException("rank " + rank + " published a malformed endpoint: " + hostPort);
  }
}
