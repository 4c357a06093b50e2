package dev.bigbatch.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStoreClient;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Real separate JVMs as ranks: a clean run, SIGKILL and SIGSTOP mid-allreduce, and a stranger. */
class ProcessFaultTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration STARTUP = Duration.ofSeconds(60);

  @Test
  void threeProcessesRunEveryCollective() throws Exception {
    try (ProcessWorld w = new ProcessWorld(3, "check", TIMEOUT)) {
      w.startAll();
      for (int r = 0; r < 3; r++) {
        int rank = r;
        w.await(r, s -> s.equals("OK " + rank), STARTUP);
        assertTrue(w.process(r).waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, w.process(r).exitValue(), w.dump(r));
      }
    }
  }

  @Test
  void sigkillMidAllreduceFailsTheOthersNamingTheDeadRank() throws Exception {
    injectFault(4, 2, "KILL");
  }

  @Test
  void sigkillOfRankZeroWhichHostsTheStoreIsNamedToo() throws Exception {
    injectFault(3, 0, "KILL");
  }

  @Test
  void sigstopMidAllreduceFailsTheOthersNamingTheStoppedRank() throws Exception {
    injectFault(3, 1, "STOP");
  }

  private void injectFault(int n, int victim, String signal) throws Exception {
    try (ProcessWorld w = new ProcessWorld(n, "loop", TIMEOUT)) {
      w.startAll();
      for (int r = 0; r < n; r++) {
        w.await(r, s -> s.equals("ITER 3"), STARTUP); // every rank is well into its allreduce loop
      }
      long t0 = System.nanoTime();
      w.signal(victim, signal);
      try {
        for (int r = 0; r < n; r++) {
          if (r == victim) {
            continue;
          }
          ProcessWorld.Line failure = w.await(r, s -> s.startsWith("PEER_FAILURE") || s.startsWith("WRONG")
              || s.startsWith("ERROR"), TIMEOUT.multipliedBy(2).plusSeconds(5));
          double seconds = (failure.nanos() - t0) / 1e9;
          System.out.printf("%s: rank %d noticed after %.2f s: %s%n", signal, r, seconds, failure.text());
          assertTrue(failure.text().startsWith("PEER_FAILURE " + victim + " "),
              "rank " + r + " must blame rank " + victim + ": " + failure.text());
          assertTrue(seconds < 2 * TIMEOUT.toSeconds(), "rank " + r + " noticed after " + seconds + " s");
          assertTrue(w.process(r).waitFor(2 * TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
              "rank " + r + " must exit after the failure, not hang");
          assertEquals(3, w.process(r).exitValue());
        }
      } finally {
        if (signal.equals("STOP")) {
          w.signal(victim, "CONT");
        }
      }
    }
  }

  @Test
  void strangerIsRefusedByTheStoreAndTheJobStillWorks() throws Exception {
    try (ProcessWorld w = new ProcessWorld(3, "check", TIMEOUT)) {
      w.start(0); // rank 0 hosts the store and waits for the others
      InetSocketAddress store = new InetSocketAddress("127.0.0.1", w.masterPort());
      assertThrows(UncheckedIOException.class,
          () -> TcpStoreClient.connect(store, JobSecret.of("not-the-job-secret"), 1, STARTUP));
      try (SocketChannel raw = SocketChannel.open(store)) {
        raw.write(ByteBuffer.wrap(new byte[100])); // garbage instead of a handshake
      }
      w.await(0, s -> s.contains("refused connection"), Duration.ofSeconds(10));
      w.start(1);
      w.start(2);
      for (int r = 0; r < 3; r++) {
        int rank = r;
        w.await(r, s -> s.equals("OK " + rank), STARTUP);
      }
    }
  }
}
