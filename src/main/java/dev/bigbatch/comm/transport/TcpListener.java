package dev.bigbatch.comm.transport;

import dev.bigbatch.comm.CommException;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.AuthenticationException;
import dev.bigbatch.comm.net.DeadlineChannel;
import dev.bigbatch.comm.net.Handshake;
import dev.bigbatch.comm.net.JobSecret;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank's listening socket before the mesh exists. Publish {@link #endpoint()} through a rendezvous,
 * then {@link #connectMesh} with everyone's endpoints. Rank r connects to every lower rank and accepts
 * every higher one; each connection is authenticated with {@link Handshake} ("peer->r/size" purpose, the
 * connector's rank as id). Strangers are logged and refused without disturbing the job.
 */
public final class TcpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpListener.class);
  /** A single handshake may not take longer than this (a silent stranger holds one handshake slot this long). */
  private static final long HANDSHAKE_NANOS = Duration.ofSeconds(5).toNanos();
  /** Handshakes in progress at once on the accepting side; more connections are closed until a slot frees. */
  static final int MAX_PENDING = 32;

  private final WorldSpec world;
  private final JobSecret secret;
  private final Duration timeout;
  private final Duration operationTimeout;
  private final ServerSocketChannel server;
  private final InetSocketAddress endpoint;

  TcpListener(WorldSpec world, String host, JobSecret secret, Duration timeout, Duration operationTimeout)
      throws IOException {
    this.operationTimeout = operationTimeout;
    this.world = world;
    this.secret = secret;
    this.timeout = timeout;
    this.server = ServerSocketChannel.open();
    try {
      server.bind(new InetSocketAddress(host, 0), world.size());
      server.configureBlocking(false);
      InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
      this.endpoint = new InetSocketAddress(bound.getAddress(), bound.getPort());
    } catch (IOException e) {
      server.close();
      throw e;
    }
  }

  /** Address peers must connect to. */
  public InetSocketAddress endpoint() {
    return endpoint;
  }

  /**
   * Builds the full mesh; {@code endpoints.get(i)} is rank i's endpoint. Closes the listening socket.
   *
   * @throws CommException if the mesh is not complete within {@code connectTimeout}
   */
  public TcpTransport connectMesh(List<InetSocketAddress> endpoints, Duration connectTimeout) {
    if (endpoints.size() != world.size()) {
      throw new IllegalArgumentException("need " + world.size() + " endpoints, got " + endpoints.size());
    }
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    Connection[] conns = new Connection[world.size()];
    boolean ok = false;
    try {
      // Phase 1: connect to every lower rank (they are accepting, or will be soon).
      for (int peer = 0; peer < world.rank(); peer++) {
        conns[peer] = connectTo(peer, endpoints.get(peer), deadline);
      }
      // Phase 2: accept every higher rank, refusing strangers. Each accepted connection is authenticated on
      // a thread of its own with its own deadline, so a stranger that stays silent (or trickles bytes) holds
      // one handshake slot for at most HANDSHAKE_NANOS, never the acceptor: a real peer that connects
      // meanwhile is authenticated at once. At most MAX_PENDING handshakes run at a time; a connection
      // beyond that is closed at once (a peer refused that way retries, see connectTo).
      int missing = world.size() - 1 - world.rank();
      ExecutorService handshakes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "bigbatch-handshake-r" + world.rank());
        t.setDaemon(true);
        return t;
      });
      ExecutorCompletionService<Connection> done = new ExecutorCompletionService<>(handshakes);
      int pending = 0;
      try (Selector sel = Selector.open()) {
        server.register(sel, SelectionKey.OP_ACCEPT);
        while (missing > 0) {
          Future<Connection> f;
          while (missing > 0 && (f = done.poll()) != null) {
            pending--;
            Connection c = f.get(); // acceptOne never throws: it logs, closes and returns null
            if (c == null) {
              continue;
            }
            if (conns[c.peer] != null) {
              log.warn("rank {}: refused a second connection claiming rank {}", world.rank(), c.peer);
              c.channel.close();
            } else {
              conns[c.peer] = c;
              missing--;
            }
          }
          if (missing == 0) {
            break;
          }
          long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
          if (leftMillis <= 0) {
            throw new CommException("rank " + world.rank() + ": timed out after " + connectTimeout
                + " waiting for " + missing + " higher rank(s) to connect");
          }
          // Wake up now and then to collect finished handshakes, which the selector does not see.
          sel.select(pending > 0 ? Math.min(leftMillis, 10) : leftMillis);
          sel.selectedKeys().clear();
          SocketChannel ch;
          while ((ch = server.accept()) != null) {
            if (pending >= MAX_PENDING) {
              log.warn("rank {}: refused peer connection from {}: {} handshakes already pending",
                  world.rank(), ch.getRemoteAddress(), pending);
              ch.close();
              continue;
            }
            SocketChannel accepted = ch;
            done.submit(() -> acceptOne(accepted, deadline));
            pending++;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommException("rank " + world.rank() + ": interrupted while building the connection mesh", e);
      } catch (ExecutionException e) {
        throw new CommException("rank " + world.rank() + ": a peer handshake failed: " + e.getCause(), e);
      } finally {
        // Strangers still in their handshake: stop them, and close whatever they got.
        handshakes.shutdownNow();
        closeUncollected(done, pending, conns);
      }
      TcpTransport t = new TcpTransport(world, conns, timeout, operationTimeout);
      ok = true;
      return t;
    } catch (IOException e) {
      throw new CommException("rank " + world.rank() + ": building the connection mesh failed: " + e, e);
    } finally {
      close();
      if (!ok) {
        for (Connection c : conns) {
          if (c != null) {
            try {
              c.channel.close();
            } catch (IOException e) {
              log.debug("closing", e);
            }
          }
        }
      }
    }
  }

  /**
   * Connects to a lower rank and authenticates. A handshake that times out or is cut off (the peer not yet
   * accepting, or refusing while its handshake slots are full of strangers) is tried again until
   * {@code deadline}; a failed authentication is not (a wrong secret does not become right).
   */
  private Connection connectTo(int peer, InetSocketAddress address, long deadline) throws IOException {
    long backoffMillis = 10;
    while (true) {
      SocketChannel ch = DeadlineChannel.connect(address, deadline);
      try (DeadlineChannel dc = new DeadlineChannel(ch)) {
        Handshake.connect(dc, secret, purpose(peer), world.rank(),
            Math.min(deadline, System.nanoTime() + HANDSHAKE_NANOS));
        return new Connection(peer, ch, System.nanoTime());
      } catch (AuthenticationException | RuntimeException e) {
        ch.close();
        throw new IOException("connecting to rank " + peer + " at " + address + ": " + e.getMessage(), e);
      } catch (IOException e) {
        ch.close();
        if (deadline - System.nanoTime() <= backoffMillis * 1_000_000L) {
          throw new IOException("connecting to rank " + peer + " at " + address + ": " + e.getMessage(), e);
        }
        log.debug("rank {}: handshake with rank {} failed ({}); trying again", world.rank(), peer, e.toString());
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while connecting to rank " + peer, ie);
        }
        backoffMillis = Math.min(backoffMillis * 2, 500);
      }
    }
  }

  /** After the mesh is built or abandoned: connections whose handshakes finished but were not collected. */
  private static void closeUncollected(ExecutorCompletionService<Connection> done, int pending, Connection[] conns) {
    long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    for (int i = 0; i < pending; i++) {
      try {
        Future<Connection> f = done.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (f == null) {
          return; // interrupted handshakes close their own channels (acceptOne)
        }
        Connection c = f.get();
        if (c != null && conns[c.peer] != c) {
          c.channel.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | IOException e) {
        log.debug("closing an uncollected handshake", e);
      }
    }
  }

  /** Authenticates one incoming connection; returns null (and logs) if it is not a wanted peer. */
  /**
   * Authenticates one incoming connection (on a handshake thread); returns null, having logged and closed it, if it
   * is not a peer of this job. Whether its rank is already connected is decided by the caller.
   */
  private Connection acceptOne(SocketChannel ch, long deadline) {
    String from = "an unknown address";
    try (DeadlineChannel dc = new DeadlineChannel(ch)) {
      from = String.valueOf(ch.getRemoteAddress());
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      int id = Handshake.accept(dc, secret, purpose(world.rank()),
          Math.min(deadline, System.nanoTime() + HANDSHAKE_NANOS));
      if (id <= world.rank() || id >= world.size()) {
        throw new IOException("authenticated peer claims unexpected rank " + id);
      }
      return new Connection(id, ch, System.nanoTime());
    } catch (IOException | RuntimeException e) {
      String why = e instanceof SocketTimeoutException ? "handshake timed out" : e.getMessage();
      log.warn("rank {}: refused peer connection from {}: {}", world.rank(), from, why);
      try {
        ch.close();
      } catch (IOException ce) {
        log.debug("closing a refused connection", ce);
      }
      return null;
    }
  }

  private String purpose(int acceptorRank) {
    return "peer->" + acceptorRank + "/" + world.size();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      log.debug("closing listener", e);
    }
  }
}
