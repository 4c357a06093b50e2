package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LargeAndAsyncTest {
  private static final int BIG = 1_000_003;

  @ParameterizedTest(name = "n={0} {1}")
  @CsvSource({"2, RING", "3, RING", "5, RING", "3, HALVING_DOUBLING", "6, HALVING_DOUBLING"})
  void millionElementsBothAlgorithms(int n, AllreduceAlgorithm algorithm) throws Exception {
    CommOptions options = LocalWorld.testOptions().withChunkBytes(64 << 10);
    LocalWorld.run(n, options, comm -> {
      int r = comm.rank();
      FloatBuffer b = Buffers.floats(BIG, i -> r + (i % 1000));
      comm.allreduceAsync(b, ReduceOp.SUM, algorithm).await();
      assertEquals(-1, Buffers.firstMismatch(b, i -> n * (n - 1) / 2.0 + n * (double) (i % 1000), 0));
      return null;
    });
  }

  @Test
  void zeroCopyByteBufferPath() throws Exception {
    LocalWorld.run(4, LocalWorld.testOptions(), comm -> {
      ByteBuffer bytes = ByteBuffer.allocateDirect(1001 * 4).order(ByteOrder.nativeOrder());
      FloatBuffer f = bytes.asFloatBuffer();
      for (int i = 0; i < 1001; i++) {
        f.put(i, comm.rank() * i);
      }
      comm.allreduceAsync(bytes, DataType.FLOAT32, ReduceOp.SUM, AllreduceAlgorithm.RING).await();
      assertEquals(-1, Buffers.firstMismatch(f, i -> 6.0 * i, 0));
      return null;
    });
  }

  @Test
  void manyAsyncCollectivesInFlight() throws Exception {
    int n = 5;
    LocalWorld.run(n, LocalWorld.testOptions().withChunkBytes(1024), comm -> {
      int r = comm.rank();
      List<FloatBuffer> bufs = new ArrayList<>();
      List<Work> works = new ArrayList<>();
      for (int k = 0; k < 8; k++) {
        int kk = k;
        FloatBuffer b = Buffers.floats(3000 + k, i -> r * (kk + 1) + i % 5);
        bufs.add(b);
        works.add(comm.allreduceAsync(b, ReduceOp.SUM,
            k % 2 == 0 ? AllreduceAlgorithm.RING : AllreduceAlgorithm.HALVING_DOUBLING));
      }
      FloatBuffer bc = Buffers.floats(100, i -> r == 2 ? i : 0);
      works.add(comm.broadcastAsync(bc, 2));
      FloatBuffer in = Buffers.floats(10, i -> r);
      FloatBuffer all = Buffers.floats(10 * n, i -> -1);
      works.add(comm.allgatherAsync(in, all));
      works.add(comm.barrierAsync());
      // Await in reverse order: completion order is issue order regardless.
      for (int k = works.size() - 1; k >= 0; k--) {
        works.get(k).await();
      }
      for (int k = 0; k < 8; k++) {
        int kk = k;
        assertEquals(-1, Buffers.firstMismatch(bufs.get(k), i -> (kk + 1) * n * (n - 1) / 2.0 + n * (i % 5), 0),
            "async allreduce " + k);
      }
      assertEquals(-1, Buffers.firstMismatch(bc, i -> i, 0));
      assertEquals(-1, Buffers.firstMismatch(all, i -> i / 10, 0));
      return null;
    });
  }

  @Test
  void pointToPointRingAndLargeMessages() throws Exception {
    int n = 4;
    LocalWorld.run(n, LocalWorld.testOptions().withChunkBytes(4096), comm -> {
      int r = comm.rank();
      int right = (r + 1) % n;
      int left = (r + n - 1) % n;
      // Everyone sends first: sends complete without a matching receive posted (eager receipt).
      FloatBuffer out = Buffers.floats(50_000, i -> r * 100_000 + i);
      FloatBuffer in = Buffers.floats(50_000, i -> -1);
      comm.send(right, out);
      comm.recv(left, in);
      assertEquals(-1, Buffers.firstMismatch(in, i -> left * 100_000 + i, 0));
      // Double buffers, several in a row, then a collective still lines up.
      for (int k = 0; k < 3; k++) {
        comm.sendAsync(left, Buffers.doubles(k + 1, i -> r + 0.5));
      }
      for (int k = 0; k < 3; k++) {
        var d = Buffers.doubles(k + 1, i -> 0);
        comm.recv(right, d);
        assertEquals(right + 0.5, d.get(0));
      }
      FloatBuffer check = Buffers.floats(1, i -> 1);
      comm.allreduce(check, ReduceOp.SUM);
      assertEquals(n, check.get(0));
      return null;
    });
  }

  @Test
  void mismatchedCollectivesFailInsteadOfMixingData() throws Exception {
    List<Throwable> errors = LocalWorld.run(3, LocalWorld.testOptions(), comm -> {
      // Ranks disagree on the length: every rank must fail, none may return a result.
      FloatBuffer b = Buffers.floats(comm.rank() == 1 ? 8 : 7, i -> 1);
      return (Throwable) assertThrows(CommException.class,
          () -> comm.allreduceAsync(b, ReduceOp.SUM, AllreduceAlgorithm.RING).await());
    });
    for (Throwable t : errors) {
      assertTrue(t.getMessage().contains("failed"), t.getMessage());
    }
  }

  @Test
  void ranksMayCloseAtDifferentTimes() throws Exception {
    // Rank 0 leaves right after the barrier; ranks 1 and 2 keep talking for a while, then rank 2 leaves.
    // A 4 s timeout (not less): on a loaded 2-core machine (load 25) a rank's I/O or heartbeat thread
    // was starved for over 2 s, and silence between live ranks is then rightly a failure.
    // The failing call comes last, from the last live rank: a failure aborts every rank still connected,
    // so a rank that still expects data must not be left (that raced when rank 1 probed rank 0 while
    // rank 2 was still waiting for rank 1's message).
    LocalWorld.run(3, LocalWorld.testOptions().withTimeout(java.time.Duration.ofSeconds(4)), comm -> {
      comm.barrier();
      if (comm.rank() == 0) {
        return null;
      }
      try {
        Thread.sleep(5000); // longer than the timeout: silence after goodbye is not a failure
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      int other = 3 - comm.rank();
      FloatBuffer out = Buffers.floats(10, i -> comm.rank());
      FloatBuffer in = Buffers.floats(10, i -> -1);
      comm.send(other, out);
      comm.recv(other, in);
      assertEquals(-1, Buffers.firstMismatch(in, i -> other, 0));
      if (comm.rank() == 2) {
        return null;
      }
      // Waiting for a rank that has left fails fast (at its goodbye, not after a timeout), naming it.
      long t0 = System.nanoTime();
      PeerFailureException e = assertThrows(PeerFailureException.class, () -> comm.recv(2, in));
      assertEquals(2, e.peerRank());
      assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "took " + (System.nanoTime() - t0) / 1e6 + " ms");
      return null;
    });
  }

  @Test
  void aLiveRankThatNeverJoinsFailsTheCollectiveAfterTheOperationTimeout() throws Exception {
    // Rank 1 is alive (heartbeating) but reaches the allreduce 3 s late, like a rank with an extra batch.
    var options = LocalWorld.testOptions().withOperationTimeout(java.time.Duration.ofSeconds(1));
    List<Long> waited = LocalWorld.run(2, options, comm -> {
      if (comm.rank() == 1) {
        try {
          Thread.sleep(3000);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        assertThrows(CommException.class, () -> comm.allreduce(Buffers.floats(5, i -> 1), ReduceOp.SUM));
        return 0L;
      }
      long t0 = System.nanoTime();
      PeerFailureException e = assertThrows(PeerFailureException.class,
          () -> comm.allreduce(Buffers.floats(5, i -> 1), ReduceOp.SUM));
      assertEquals(1, e.peerRank());
      assertTrue(e.getMessage().contains("has not reached this operation"), e.getMessage());
      return (System.nanoTime() - t0) / 1_000_000L;
    });
    assertTrue(waited.get(0) >= 900 && waited.get(0) < 2500, "rank 0 gave up after " + waited.get(0) + " ms");
  }

  @Test
  void argumentsAreValidated() throws Exception {
    LocalWorld.run(2, LocalWorld.testOptions(), comm -> {
      assertThrows(IllegalArgumentException.class, () -> comm.broadcastAsync(Buffers.floats(1, i -> 0), 2));
      assertThrows(IllegalArgumentException.class, () -> comm.sendAsync(comm.rank(), Buffers.floats(1, i -> 0)));
      assertThrows(IllegalArgumentException.class,
          () -> comm.allgatherAsync(Buffers.floats(2, i -> 0), Buffers.floats(3, i -> 0)));
      return null;
    });
  }
}
