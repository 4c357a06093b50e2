package dev.bigbatch.train;

import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import dev.bigbatch.spec.SyncSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * P ranks as threads of this JVM, each with its own {@link DistributedReplicas} over loopback TCP (real
 * rendezvous, sockets and collectives, as launched processes would have), for the distributed tests.
 */
final class ThreadRanks {
  /** What one rank runs with its replicas; returns its result. */
  @FunctionalInterface
  interface Body<T> {
    T run(int rank, DistributedReplicas replicas) throws Exception;
  }

  private ThreadRanks() {}

  /** Runs {@code body} on ranks 0..processes−1 at once and returns their results in rank order. */
  static <T> List<T> run(int processes, String jobName, boolean overlap, Body<T> body) throws Exception {
    return run(processes, jobName, overlap, SyncSpec.Compression.NONE, body);
  }

  /** {@link #run(int, String, boolean, Body)} with gradient buckets sent as {@code compression}. */
  static <T> List<T> run(int processes, String jobName, boolean overlap, SyncSpec.Compression compression, Body<T> body)
      throws Exception {
    int port = DistributedEquivalenceTest.freePort();
    JobSecret secret = JobSecret.of(jobName);
    ExecutorService pool = Executors.newFixedThreadPool(processes);
    try {
      List<Future<T>> results = new ArrayList<>();
      for (int r = 0; r < processes; r++) {
        int rank = r;
        results.add(pool.submit(() -> {
          WorldSpec world = new WorldSpec(rank, processes);
          CommOptions opts = CommOptions.defaults().withTimeout(Duration.ofSeconds(20));
          TcpStoreRendezvous rdv = TcpStoreRendezvous.hostOrJoin(world, new InetSocketAddress("127.0.0.1", port), secret,
              Duration.ofSeconds(20));
          try (DistributedReplicas replicas =
              new DistributedReplicas(Communicators.connect(world, rdv, secret, opts), 1024, overlap, compression, rdv)) {
            return body.run(rank, replicas);
          }
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : results) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
