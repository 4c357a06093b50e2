package dev.bigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.WorldSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The rendezvous over an in-memory all-gather (one thread per rank), without Spark. */
class AllGatherRendezvousTest {
  /** An all-gather among {@code size} threads, like BarrierTaskContext.allGather. */
  static final class ThreadAllGather {
    final String[] slots;
    final CyclicBarrier in;
    final CyclicBarrier out;

    ThreadAllGather(int size) {
      slots = new String[size];
      in = new CyclicBarrier(size);
      out = new CyclicBarrier(size);
    }

    Function<String, String[]> forRank(int rank) {
      return message -> {
        try {
          slots[rank] = message;
          in.await();
          String[] all = slots.clone();
          out.await();
          return all;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
    }
  }

  static List<Future<List<InetSocketAddress>>> exchange(int size, Function<Integer, String> agreementOf,
      ExecutorService pool) {
    ThreadAllGather gather = new ThreadAllGather(size);
    List<Future<List<InetSocketAddress>>> results = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      int rank = r;
      results.add(pool.submit(() -> new AllGatherRendezvous(gather.forRank(rank), agreementOf.apply(rank))
          .exchangeEndpoints(new WorldSpec(rank, size), new InetSocketAddress("127.0.0.1", 5000 + rank),
              Duration.ofSeconds(5))));
    }
    return results;
  }

  @Test
  void everyRankGetsEveryEndpointInRankOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      for (int size = 1; size <= 5; size++) {
        for (Future<List<InetSocketAddress>> f : exchange(size, r -> "resume from /runs/x at step 8", pool)) {
          List<InetSocketAddress> all = f.get();
          assertEquals(size, all.size());
          for (int r = 0; r < size; r++) {
            assertEquals(new InetSocketAddress("127.0.0.1", 5000 + r), all.get(r));
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ranksThatDisagreeOnTheCheckpointFailBeforeStarting() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (Future<List<InetSocketAddress>> f : exchange(3, r -> r == 2 ? "fresh start" : "resume at step 8", pool)) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof CommException, e.getCause().toString());
        assertTrue(e.getCause().getMessage().contains("disagree"), e.getCause().getMessage());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void malformedOrMissingMessagesAreNamed() {
    var world = new WorldSpec(0, 2);
    var self = new InetSocketAddress("127.0.0.1", 5000);
    CommException shortGather = assertThrows(CommException.class, () -> new AllGatherRendezvous(
        m -> new String[] {m}, "a").exchangeEndpoints(world, self, Duration.ofSeconds(1)));
    assertTrue(shortGather.getMessage().contains("returned 1 endpoints for a world of 2"), shortGather.getMessage());
    CommException bad = assertThrows(CommException.class, () -> new AllGatherRendezvous(
        m -> new String[] {m, "a\tnot-an-endpoint"}, "a").exchangeEndpoints(world, self, Duration.ofSeconds(1)));
    assertTrue(bad.getMessage().contains("rank 1 published a malformed endpoint"), bad.getMessage());
  }

  @Test
  void sparkExecutorAddressesLoseTheirPort() {
    assertEquals("10.0.0.7", RankTask.hostOf("10.0.0.7:41234"));
    assertEquals("node-3", RankTask.hostOf("node-3"));
    assertEquals("fe80::1", RankTask.hostOf("fe80::1"));
  }
}
