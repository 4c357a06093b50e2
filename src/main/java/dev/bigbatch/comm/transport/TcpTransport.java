package dev.bigbatch.comm.transport;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.PeerFailureException;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} over a full mesh of TCP connections, all served by one I/O thread with a selector.
 * Created by {@link TcpListener#connectMesh}.
 *
 * <p>Failure detection: every connection carries a heartbeat when idle; a peer from which nothing arrives
 * for {@code timeout} is declared failed, as is one whose connection breaks or that sends bytes violating
 * the framing. The first failure poisons the transport: every pending and later request fails with a
 * {@link PeerFailureException} naming the peer, and an ABORT frame tells the other ranks whom to blame.
 */
public final class TcpTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(TcpTransport.class);
  /** Bytes moved per connection per selector round, so one busy peer cannot starve the others. */
  private static final long IO_BUDGET_BYTES = 8L << 20;

  private final int rank;
  private final int size;
  private final long timeoutNanos;
  private final long heartbeatNanos;
  private final long operationTimeoutNanos;
  /** Longest sleep of the I/O loop: it checks heartbeats and timeouts at least this often. */
  private final long tickMillis;
  private final Connection[] connections;
  private final TcpPair[] pairs;
  private final Selector selector;
  private final ConcurrentLinkedQueue<Connection.Op> commands = new ConcurrentLinkedQueue<>();
  private final Thread ioThread;
  private final ByteBuffer drainScratch = ByteBuffer.allocateDirect(64 << 10);

  private volatile CommException failure;
  private volatile boolean closeRequested;
  private volatile boolean ioDone;

  TcpTransport(WorldSpec world, Connection[] connections, Duration timeout, Duration operationTimeout)
      throws IOException {
    this.operationTimeoutNanos = operationTimeout.toNanos();
    this.rank = world.rank();
    this.size = world.size();
    this.timeoutNanos = timeout.toNanos();
    this.heartbeatNanos = timeoutNanos / 4;
    this.tickMillis = Math.max(1, Math.min(heartbeatNanos / 2, operationTimeoutNanos / 8) / 1_000_000L);
    this.connections = connections;
    this.pairs = new TcpPair[size];
    this.selector = Selector.open();
    try {
      for (Connection c : connections) {
        if (c != null) {
          c.channel.configureBlocking(false);
          c.key = c.channel.register(selector, SelectionKey.OP_READ, c);
          pairs[c.peer] = new TcpPair(c);
        }
      }
    } catch (IOException e) {
      selector.close();
      throw e;
    }
    this.ioThread = new Thread(this::ioLoop, "bigbatch-comm-io-r" + rank);
    ioThread.setDaemon(true);
    ioThread.start();
  }

  /**
   * Starts listening for peers; publish {@link TcpListener#endpoint()}, then call connectMesh.
   *
   * @param timeout liveness: a peer silent (no data, no heartbeat) this long has failed
   * @param operationTimeout a receive that has seen no byte for this long fails, naming the peer
   */
  public static TcpListener listen(WorldSpec world, String host, JobSecret secret, Duration timeout,
      Duration operationTimeout) {
    try {
      return new TcpListener(world, host, secret, timeout, operationTimeout);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host, e);
    }
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Pair pair(int peer) {
    if (peer < 0 || peer >= size || peer == rank) {
      throw new IllegalArgumentException("no pair from rank " + rank + " to " + peer + " (world " + size + ")");
    }
    return pairs[peer];
  }

  @Override
  public long bytesSent() {
    long sum = 0;
    for (Connection c : connections) {
      if (c != null) {
        sum += c.bytesWritten.get();
      }
    }
    return sum;
  }

  @Override
  public void close() {
    closeRequested = true;
    selector.wakeup();
    try {
      ioThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommException("interrupted while closing the transport", e);
    }
  }

  private final class TcpPair implements Pair {
    private final Connection conn;

    TcpPair(Connection conn) {
      this.conn = conn;
    }

    @Override
    public int peer() {
      return conn.peer;
    }

    @Override
    public Request send(int tag, ByteBuffer data) {
      return submit(new Connection.Op(conn, true, Frame.DATA, tag, data.slice(), new Request(), System.nanoTime()));
    }

    @Override
    public Request recv(int tag, ByteBuffer dst) {
      return submit(new Connection.Op(conn, false, Frame.DATA, tag, dst.slice(), new Request(), System.nanoTime()));
    }
  }

  private Request submit(Connection.Op op) {
    CommException f = failure;
    if (f != null) {
      op.request().fail(f);
      return op.request();
    }
    commands.add(op);
    selector.wakeup();
    if (ioDone) {
      failLeftoverCommands();
    }
    return op.request();
  }

  // ---- I/O thread ----

  private void ioLoop() {
    long closeDeadline = Long.MAX_VALUE;
    try {
      while (true) {
        selector.select(tickMillis);
        long now = System.nanoTime();
        runCommands(now);
        for (SelectionKey key : selector.selectedKeys()) {
          serve((Connection) key.attachment(), key, now);
        }
        selector.selectedKeys().clear();
        if (closeRequested && closeDeadline == Long.MAX_VALUE) {
          closeDeadline = now + timeoutNanos;
          sayGoodbye(now);
        }
        if (closeRequested && (failure != null || allClosed() || now - closeDeadline > 0)) {
          return;
        }
        if (failure == null) {
          heartbeatsAndLiveness(now);
        }
      }
    } catch (ClosedSelectorException e) {
      fail(new CommException("transport selector closed unexpectedly", e));
    } catch (Throwable t) {
      fail(new CommException("transport I/O thread crashed: " + t, t));
    } finally {
      CommException closed = failure != null ? failure : new CommException("transport is closed");
      for (Connection c : connections) {
        if (c != null) {
          for (Connection.Op op : c.takeUnfinished()) {
            if (op.request() != null) {
              op.request().fail(closed);
            }
          }
          closeQuietly(c);
        }
      }
      try {
        selector.close();
      } catch (IOException e) {
        log.debug("closing selector", e);
      }
      ioDone = true;
      failLeftoverCommands();
    }
  }

  private void runCommands(long now) {
    Connection.Op op;
    while ((op = commands.poll()) != null) {
      Connection c = op.conn();
      if (failure != null) {
        op.request().fail(failure);
        continue;
      }
      try {
        if (op.isSend()) {
          if (c.goodbyeReceived) {
            throw new PeerFailureException(c.peer, "already closed its communicator; cannot send to it");
          }
          c.enqueueSend(op);
          c.onWritable(IO_BUDGET_BYTES, now);
        } else {
          c.postRecv(op);
          if (op.request().isDone()) {
            continue;
          }
          if (c.goodbyeReceived) { // GOODBYE is the last frame: nothing can match any more
            throw new PeerFailureException(c.peer, "already closed its communicator; nothing more will arrive");
          }
        }
      } catch (PeerFailureException e) {
        fail(e);
      } catch (IOException e) {
        failPeer(c, e);
      }
      if (failure != null) {
        op.request().fail(failure); // no-op if it completed; else it may be in no queue yet
      }
    }
  }

  private void serve(Connection c, SelectionKey key, long now) {
    if (!key.isValid()) {
      return;
    }
    try {
      if (failure != null) {
        c.drain(drainScratch);
        return;
      }
      if (key.isReadable()) {
        c.onReadable(IO_BUDGET_BYTES, now);
      }
      if (failure == null && key.isValid() && key.isWritable()) {
        c.onWritable(IO_BUDGET_BYTES, now);
      }
    } catch (IOException e) {
      if (failure == null && c.goodbyeReceived && !c.hasPendingReceives() && !(e instanceof Connection.AbortReceived)) {
        // The peer said goodbye and we expect nothing more from it: a reset now is not a failure.
        log.debug("rank {}: connection to departed rank {} ended: {}", rank, c.peer, e.toString());
        c.eof = true;
        key.cancel();
      } else if (failure == null) {
        failPeer(c, e);
      } else {
        c.eof = true;
        key.cancel();
      }
    }
  }

  private void failPeer(Connection c, IOException e) {
    if (e instanceof Connection.AbortReceived abort) {
      int blamed = abort.blamedRank >= 0 && abort.blamedRank < size ? abort.blamedRank : c.peer;
      String how = blamed == c.peer ? "reported its own failure" : "reported by rank " + c.peer;
      fail(new PeerFailureException(blamed, how));
    } else if (e instanceof Connection.ProtocolException) {
      fail(new PeerFailureException(c.peer, "protocol violation: " + e.getMessage(), e));
    } else {
      fail(new PeerFailureException(c.peer, "connection lost: " + e, e));
    }
  }

  /** Poisons the transport: fails every request, tells the other peers whom to blame. */
  private void fail(CommException cause) {
    if (failure != null) {
      return;
    }
    failure = cause;
    log.error("rank {}: communication failed: {}", rank, cause.getMessage());
    int blamed = cause instanceof PeerFailureException p ? p.peerRank() : -1;
    ByteBuffer abort = ByteBuffer.allocate(Frame.HEADER_BYTES);
    for (Connection c : connections) {
      if (c == null) {
        continue;
      }
      boolean midFrame = c.midFrame();
      for (Connection.Op op : c.takeUnfinished()) {
        if (op.request() != null) {
          op.request().fail(cause);
        }
      }
      c.updateInterest(); // nothing left to write: only drain reads until close
      if (!c.goodbyeSent) {
        try {
          if (!midFrame) {
            Frame.writeHeader(abort, Frame.ABORT, blamed, 0);
            c.channel.write(abort); // best effort; the peer also sees our FIN
          }
          c.channel.shutdownOutput();
        } catch (IOException e) {
          log.debug("rank {}: could not send abort to rank {}: {}", rank, c.peer, e.toString());
        }
      }
    }
    failLeftoverCommands();
  }

  private void failLeftoverCommands() {
    CommException f = failure != null ? failure : new CommException("transport is closed");
    Connection.Op op;
    while ((op = commands.poll()) != null) {
      op.request().fail(f);
    }
  }

  private void sayGoodbye(long now) {
    if (failure != null) {
      return;
    }
    for (Connection c : connections) {
      if (c != null && !c.goodbyeSent) {
        c.enqueueSend(new Connection.Op(c, true, Frame.GOODBYE, 0, ByteBuffer.allocate(0), null, 0));
        try {
          c.onWritable(IO_BUDGET_BYTES, now);
        } catch (IOException e) {
          log.debug("rank {}: goodbye to rank {} failed: {}", rank, c.peer, e.toString());
          c.eof = true;
        }
      }
    }
  }

  private boolean allClosed() {
    for (Connection c : connections) {
      if (c != null && !(c.goodbyeSent && c.eof)) {
        return false;
      }
    }
    return true;
  }

  private void heartbeatsAndLiveness(long now) {
    for (Connection c : connections) {
      if (c == null) {
        continue;
      }
      if (c.idleForHeartbeat() && now - c.lastSentNanos >= heartbeatNanos) {
        c.enqueueSend(new Connection.Op(c, true, Frame.HEARTBEAT, 0, ByteBuffer.allocate(0), null, 0));
        try {
          c.onWritable(IO_BUDGET_BYTES, now);
        } catch (IOException e) {
          failPeer(c, e);
          return;
        }
      }
      Connection.Op waiting = c.oldestUnstartedRecv();
      if (waiting != null && now - waiting.postedNanos() > operationTimeoutNanos) {
        fail(new PeerFailureException(c.peer, "sent nothing for operation #" + waiting.tag() + " within "
            + operationTimeoutNanos / 1_000_000L + " ms although it is alive: it has not reached this"
            + " operation (uneven number of steps across ranks? stuck?)"));
        return;
      }
      if (!c.goodbyeReceived && !c.eof && now - c.lastReceivedNanos > timeoutNanos) {
        fail(new PeerFailureException(c.peer, "nothing received for "
            + (now - c.lastReceivedNanos) / 1_000_000L + " ms (timeout "
            + timeoutNanos / 1_000_000L + " ms): process stopped, hung, or network partitioned"));
        return;
      }
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.channel.close();
    } catch (IOException e) {
      log.debug("closing connection to rank {}", c.peer, e);
    }
  }
}
