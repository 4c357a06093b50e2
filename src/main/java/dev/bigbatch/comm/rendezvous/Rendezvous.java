package dev.bigbatch.comm.rendezvous;

import dev.bigbatch.comm.WorldSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** Exchanges the ranks' listening endpoints once, before the transport connects. */
public interface Rendezvous {
  /**
   * Publishes {@code self} as this rank's endpoint and returns every rank's endpoint (index = rank),
   * blocking until all ranks have published.
   *
   * @throws dev.bigbatch.comm.CommException if not all ranks published within {@code timeout}
   */
  List<InetSocketAddress> exchangeEndpoints(WorldSpec world, InetSocketAddress self, Duration timeout);
}
