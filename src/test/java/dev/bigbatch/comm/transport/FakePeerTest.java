package dev.bigbatch.comm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.PeerFailureException;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.AuthenticationException;
import dev.bigbatch.comm.net.DeadlineChannel;
import dev.bigbatch.comm.net.Handshake;
import dev.bigbatch.comm.net.JobSecret;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Rank 0 is real; "rank 1" is this test speaking the wire protocol by hand: it can authenticate and then
 * misbehave (garbage, silence), or fail to authenticate at all.
 */
public class FakePeerTest {
  private static final Duration TIMEOUT = Duration.ofMillis(1500);
  private final JobSecret secret = JobSecret.random();
  private final WorldSpec rank0 = new WorldSpec(0, 2);

  private CompletableFuture<TcpTransport> startRank0(TcpListener listener) {
    InetSocketAddress unused = new InetSocketAddress("127.0.0.1", 1);
    return CompletableFuture.supplyAsync(
        () -> listener.connectMesh(List.of(listener.endpoint(), unused), Duration.ofSeconds(20)));
  }

  private SocketChannel authenticateAsRank1(InetSocketAddress rank0Endpoint, JobSecret key) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    SocketChannel ch = DeadlineChannel.connect(rank0Endpoint, deadline);
    try (DeadlineChannel dc = new DeadlineChannel(ch)) {
      Handshake.connect(dc, key, "peer->0/2", 1, deadline);
    }
    ch.configureBlocking(true);
    return ch;
  }

  private static FloatBuffer ones(int n) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < n; i++) {
      b.put(i, 1);
    }
    return b;
  }

  /** A closed connection reads as EOF, or as a reset when our unread garbage was still in its buffer. */
  public static int readOrReset(SocketChannel ch, ByteBuffer sink) {
    try {
      return ch.read(sink);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  @Test
  void garbageAfterHandshakeNamesTheSender() throws Exception {
    try (TcpListener listener = TcpTransport.listen(rank0, "127.0.0.1", secret, TIMEOUT, Duration.ofMinutes(1))) {
      CompletableFuture<TcpTransport> mesh = startRank0(listener);
      try (SocketChannel fake = authenticateAsRank1(listener.endpoint(), secret);
          Communicator comm = Communicators.over(mesh.get(10, TimeUnit.SECONDS),
              CommOptions.defaults().withTimeout(TIMEOUT))) {
        fake.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes()));
        long t0 = System.nanoTime();
        FloatBuffer mine = ones(10);
        PeerFailureException e = assertThrows(PeerFailureException.class, () -> comm.allreduce(mine, ReduceOp.SUM));
        assertEquals(1, e.peerRank());
        assertTrue(e.getMessage().contains("protocol violation"), e.getMessage());
        for (int i = 0; i < 10; i++) {
          assertEquals(1f, mine.get(i), "a failed collective must not leave partial results in the caller's buffer");
        }
        // The communicator stays failed: later operations fail at once, naming the same rank.
        assertEquals(1, assertThrows(PeerFailureException.class, () -> comm.barrier()).peerRank());
        assertTrue(System.nanoTime() - t0 < TIMEOUT.toNanos(), "garbage must be detected before any timeout");
      }
    }
  }

  @Test
  void silentAuthenticatedPeerTimesOut() throws Exception {
    try (TcpListener listener = TcpTransport.listen(rank0, "127.0.0.1", secret, TIMEOUT, Duration.ofMinutes(1))) {
      CompletableFuture<TcpTransport> mesh = startRank0(listener);
      try (SocketChannel fake = authenticateAsRank1(listener.endpoint(), secret);
          Communicator comm = Communicators.over(mesh.get(10, TimeUnit.SECONDS),
              CommOptions.defaults().withTimeout(TIMEOUT))) {
        long t0 = System.nanoTime();
        PeerFailureException e = assertThrows(PeerFailureException.class, () -> comm.allreduce(ones(10), ReduceOp.SUM));
        long elapsed = System.nanoTime() - t0;
        assertEquals(1, e.peerRank());
        assertTrue(elapsed < 2 * TIMEOUT.toNanos(), "detected after " + elapsed / 1e6 + " ms");
        assertTrue(elapsed > TIMEOUT.toNanos() / 2, "must not fail before the timeout: " + elapsed / 1e6 + " ms");
      }
    }
  }

  @Test
  void strangersAreRefusedAndTheMeshStillForms() throws Exception {
    try (TcpListener listener = TcpTransport.listen(rank0, "127.0.0.1", secret, TIMEOUT, Duration.ofMinutes(1))) {
      CompletableFuture<TcpTransport> mesh = startRank0(listener);
      // Wrong secret: the handshake fails on the stranger's side, rank 0 logs and keeps accepting.
      assertThrows(AuthenticationException.class, () -> authenticateAsRank1(listener.endpoint(), JobSecret.random()));
      // Garbage instead of a handshake: rank 0 hangs up.
      try (SocketChannel raw = SocketChannel.open(listener.endpoint())) {
        raw.write(ByteBuffer.wrap(new byte[200]));
        ByteBuffer sink = ByteBuffer.allocate(4096);
        int n;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        do {
          sink.clear();
          n = readOrReset(raw, sink);
        } while (n >= 0 && System.nanoTime() < deadline);
        assertEquals(-1, n, "rank 0 must close a garbage connection");
      }
      // The right secret still gets in, and the connection carries data.
      try (SocketChannel fake = authenticateAsRank1(listener.endpoint(), secret);
          TcpTransport t = mesh.get(10, TimeUnit.SECONDS)) {
        ByteBuffer frame = ByteBuffer.allocate(Frame.HEADER_BYTES + 4);
        Frame.writeHeader(frame, Frame.DATA, 7, 4);
        frame.limit(Frame.HEADER_BYTES + 4).position(Frame.HEADER_BYTES).putInt(42).flip();
        fake.write(frame);
        ByteBuffer got = ByteBuffer.allocateDirect(4);
        t.pair(1).recv(7, got).await();
        assertEquals(42, got.getInt(0));
      }
    }
  }

  /**
   * Silent strangers connected to rank 0's peer port during setup (issue 17): each used to hold the one acceptor for
   * its whole 5 s handshake, so with three of them the real peer's own 5 s handshake timed out and the job failed.
   * Now each stranger holds a handshake thread of its own and the real peer gets in at once.
   */
  @Test
  void silentStrangersDuringSetupDoNotHoldUpTheRealPeer() throws Exception {
    try (TcpListener listener = TcpTransport.listen(rank0, "127.0.0.1", secret, TIMEOUT, Duration.ofMinutes(1));
        SocketChannel s1 = SocketChannel.open(listener.endpoint());
        SocketChannel s2 = SocketChannel.open(listener.endpoint());
        SocketChannel s3 = SocketChannel.open(listener.endpoint())) {
      CompletableFuture<TcpTransport> mesh = startRank0(listener);
      Thread.sleep(200); // rank 0 has accepted the strangers and is waiting for their handshakes
      try (SocketChannel fake = authenticateAsRank1(listener.endpoint(), secret);
          TcpTransport t = mesh.get(10, TimeUnit.SECONDS)) {
        assertEquals(2, t.size());
      }
    }
  }
}
