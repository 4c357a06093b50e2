package dev.bigbatch.comm;

import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStore;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Threads as ranks: n communicators over real TCP on 127.0.0.1, one thread each, one shared store. */
public final class LocalWorld {
  private LocalWorld() {
  }

  public static CommOptions testOptions() {
    return CommOptions.defaults().withTimeout(Duration.ofSeconds(20)).withConnectTimeout(Duration.ofSeconds(30));
  }

  /** Runs {@code body} on every rank and returns the results in rank order; rethrows the first failure. */
  public static <T> List<T> run(int n, CommOptions options, Function<Communicator, T> body) throws Exception {
    JobSecret secret = JobSecret.random();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try (TcpStore store = TcpStore.start(new InetSocketAddress("127.0.0.1", 0), secret)) {
      List<Future<T>> futures = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        WorldSpec world = new WorldSpec(r, n);
        futures.add(pool.submit(() -> {
          try (TcpStoreRendezvous rdv = TcpStoreRendezvous.join(store.address(), secret, "test",
              options.connectTimeout());
              Communicator comm = Communicators.connect(world, rdv, secret, options)) {
            return body.apply(comm);
          }
        }));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          results.add(f.get(120, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Exception ex) {
            throw ex;
          }
          throw e;
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }
}
