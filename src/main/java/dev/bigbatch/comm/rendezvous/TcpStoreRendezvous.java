package dev.bigbatch.comm.rendezvous;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rendezvous through a {@link TcpStore}: rank 0 hosts the store at the master address (when created with
 * {@link #hostOrJoin}), every rank sets {@code <prefix>/endpoint/<rank>} and reads the others'.
 * Closing it closes the client and, on rank 0, the store; close it after the communicator.
 */
public final class TcpStoreRendezvous implements Rendezvous, AutoCloseable {
  private final InetSocketAddress store;
  private final JobSecret secret;
  private final String prefix;
  private final Duration connectTimeout;
  private final TcpStore hosted; // non-null on the rank that runs the store

  private TcpStoreRendezvous(InetSocketAddress store, JobSecret secret, String prefix, Duration connectTimeout,
      TcpStore hosted) {
    this.store = store;
    this.secret = secret;
    this.prefix = prefix;
    this.connectTimeout = connectTimeout;
    this.hosted = hosted;
  }

  /** Rank 0 starts the store at {@code master}; every rank (rank 0 included) then uses it as a client. */
  public static TcpStoreRendezvous hostOrJoin(WorldSpec world, InetSocketAddress master, JobSecret secret,
      Duration connectTimeout) {
    TcpStore hosted = world.rank() == 0 ? TcpStore.start(master, secret) : null;
    return new TcpStoreRendezvous(master, secret, "bigbatch", connectTimeout, hosted);
  }

  /** Like {@link #hostOrJoin} with the master address from {@code BIGBATCH_MASTER_ADDR/PORT}. */
  public static TcpStoreRendezvous fromEnv(WorldSpec world, JobSecret secret, Map<String, String> env,
      Duration connectTimeout) {
    return hostOrJoin(world, EnvWorld.masterAddress(env), secret, connectTimeout);
  }

  /** A client of a store someone else runs; {@code prefix} separates several rendezvous on one store. */
  public static TcpStoreRendezvous join(InetSocketAddress store, JobSecret secret, String prefix,
      Duration connectTimeout) {
    return new TcpStoreRendezvous(store, secret, prefix, connectTimeout, null);
  }

  @Override
  public List<InetSocketAddress> exchangeEndpoints(WorldSpec world, InetSocketAddress self, Duration timeout) {
    try (TcpStoreClient client = TcpStoreClient.connect(store, secret, world.rank(), connectTimeout)) {
      String mine = self.getAddress().getHostAddress() + ":" + self.getPort();
      client.set(key(world.rank()), mine.getBytes(StandardCharsets.UTF_8));
      long deadline = System.nanoTime() + timeout.toNanos();
      List<InetSocketAddress> all = new ArrayList<>(world.size());
      for (int r = 0; r < world.size(); r++) {
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        Optional<byte[]> v = client.get(key(r), left);
        if (v.isEmpty()) {
          throw new CommException("rank " + world.rank() + ": rank " + r + " did not publish its endpoint"
              + " within " + timeout + " (did it start? same BIGBATCH_WORLD_SIZE everywhere?)");
        }
        all.add(parse(new String(v.get(), StandardCharsets.UTF_8)));
      }
      return all;
    }
  }

  private String key(int rank) {
    return prefix + "/endpoint/" + rank;
  }

  private static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new CommException("malformed endpoint in the store: " + hostPort);
    }
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** The hosted store's address (rank 0 only), e.g. when bound to port 0. */
  public Optional<InetSocketAddress> hostedAddress() {
    return Optional.ofNullable(hosted).map(TcpStore::address);
  }

  @Override
  public void close() {
    if (hosted != null) {
      hosted.close();
    }
  }
}
