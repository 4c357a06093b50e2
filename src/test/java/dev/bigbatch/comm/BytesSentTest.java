package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The socket byte counter counts exactly what went out: payload plus one 16-byte frame header per message. */
class BytesSentTest {
  private static final int HEADER = 16;

  @Test
  void pointToPointCountsPayloadAndHeaders() throws Exception {
    int floats = 1000;
    List<long[]> deltas = LocalWorld.run(2, LocalWorld.testOptions(), comm -> {
      comm.barrier();
      long before = comm.bytesSent();
      FloatBuffer b = FloatBuffer.allocate(floats);
      if (comm.rank() == 0) {
        comm.send(1, b);
        comm.send(1, b);
      } else {
        comm.recv(0, b);
        comm.recv(0, b);
      }
      long after = comm.bytesSent();
      comm.barrier();
      return new long[] {after - before};
    });
    assertEquals(2L * (floats * 4 + HEADER), deltas.get(0)[0], "rank 0 sent two messages");
    assertEquals(0L, deltas.get(1)[0], "rank 1 only received");
  }

  @Test
  void ringAllreduceSendsTwoTimesPMinusOneOverPOfTheVector() throws Exception {
    int p = 4;
    int floats = 4000; // divisible by P: every ring chunk is 1000 floats
    List<long[]> deltas = LocalWorld.run(p, LocalWorld.testOptions(), comm -> {
      comm.barrier();
      long before = comm.bytesSent();
      comm.allreduceAsync(FloatBuffer.allocate(floats), ReduceOp.SUM, AllreduceAlgorithm.RING).await();
      long after = comm.bytesSent();
      comm.barrier();
      return new long[] {after - before};
    });
    // reduce-scatter and allgather: 2(P−1) messages of |x|/P floats each
    long expected = 2L * (p - 1) * ((long) floats / p * 4 + HEADER);
    for (int r = 0; r < p; r++) {
      assertEquals(expected, deltas.get(r)[0], "rank " + r);
    }
  }
}
