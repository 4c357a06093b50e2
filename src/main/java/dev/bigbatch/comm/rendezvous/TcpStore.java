package dev.bigbatch.comm.rendezvous;

import dev.bigbatch.comm.net.DeadlineChannel;
import dev.bigbatch.comm.net.Handshake;
import dev.bigbatch.comm.net.JobSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rendezvous key-value store (run by rank 0): SET a key, GET a key waiting until it exists. Every
 * client must pass the {@link Handshake}; strangers and malformed requests are logged and disconnected,
 * never crashing the store. One thread accepts, one thread serves each client; all are joined on close.
 */
public final class TcpStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpStore.class);
  private static final long HANDSHAKE_NANOS = Duration.ofSeconds(5).toNanos();
  private static final long IDLE_NANOS = Duration.ofMinutes(30).toNanos();

  private final JobSecret secret;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final Map<String, byte[]> data = new HashMap<>();
  private final List<Thread> handlers = new ArrayList<>();
  private final List<SocketChannel> clients = new ArrayList<>();
  private volatile boolean closed;

  private TcpStore(InetSocketAddress bind, JobSecret secret) throws IOException {
    this.secret = secret;
    this.server = ServerSocketChannel.open();
    try {
      server.bind(bind, 64);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    this.acceptor = new Thread(this::acceptLoop, "bigbatch-store-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a store listening on {@code bind} (port 0 picks a free port; see {@link #address()}).
   *
   * @throws IllegalArgumentException when it cannot listen there (port in use, address not of this host)
   */
  public static TcpStore start(InetSocketAddress bind, JobSecret secret) {
    try {
      return new TcpStore(bind, secret);
    } catch (IOException e) { // a setting of this rank's environment that cannot work: bad input, one line
      throw new IllegalArgumentException("cannot start the rendezvous store on " + bind + " (" + e.getMessage()
          + "): is BIGBATCH_MASTER_PORT free and BIGBATCH_MASTER_ADDR this host?", e);
    }
  }

  /** The bound address. */
  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (AsynchronousCloseException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          log.warn("store accept failed: {}", e.toString());
        }
        return;
      }
      synchronized (this) {
        if (closed) {
          closeQuietly(ch);
          return;
        }
        clients.add(ch);
        Thread t = new Thread(() -> serve(ch), "bigbatch-store-client");
        t.setDaemon(true);
        handlers.add(t);
        t.start();
      }
    }
  }

  private void serve(SocketChannel ch) {
    String from = "?";
    try (DeadlineChannel dc = new DeadlineChannel(ch)) {
      from = String.valueOf(ch.getRemoteAddress());
      try {
        Handshake.accept(dc, secret, StoreProtocol.PURPOSE, System.nanoTime() + HANDSHAKE_NANOS);
      } catch (IOException e) {
        String why = e instanceof SocketTimeoutException ? "handshake timed out" : e.getMessage();
        log.warn("rendezvous store refused connection from {}: {}", from, why);
        return;
      }
      while (!closed) {
        ByteBuffer head = ByteBuffer.allocate(5);
        try {
          dc.readFully(head, System.nanoTime() + IDLE_NANOS);
        } catch (java.io.EOFException e) {
          return; // client done
        }
        head.flip();
        byte op = head.get();
        byte[] key = readBytes(dc, head.getInt(), StoreProtocol.MAX_KEY_BYTES, "key");
        String k = new String(key, StandardCharsets.UTF_8);
        if (op == StoreProtocol.SET) {
          ByteBuffer len = ByteBuffer.allocate(4);
          dc.readFully(len, System.nanoTime() + HANDSHAKE_NANOS);
          byte[] value = readBytes(dc, len.flip().getInt(), StoreProtocol.MAX_VALUE_BYTES, "value");
          synchronized (data) {
            data.put(k, value);
            data.notifyAll();
          }
          dc.writeFully(ByteBuffer.wrap(new byte[] {StoreProtocol.OK}), System.nanoTime() + HANDSHAKE_NANOS);
        } else if (op == StoreProtocol.GET) {
          ByteBuffer wait = ByteBuffer.allocate(8);
          dc.readFully(wait, System.nanoTime() + HANDSHAKE_NANOS);
          byte[] value = awaitKey(k, wait.flip().getLong());
          ByteBuffer reply = value == null
              ? ByteBuffer.wrap(new byte[] {StoreProtocol.TIMEOUT})
              : ByteBuffer.allocate(5 + value.length).put(StoreProtocol.OK).putInt(value.length).put(value).flip();
          dc.writeFully(reply, System.nanoTime() + HANDSHAKE_NANOS);
        } else {
          throw new IOException("unknown store operation " + op);
        }
      }
    } catch (IOException e) {
      if (!closed) {
        log.warn("rendezvous store dropped client {}: {}", from, e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(ch);
    }
  }

  private static byte[] readBytes(DeadlineChannel dc, int len, int max, String what) throws IOException {
    if (len < 0 || len > max) {
      throw new IOException("malformed request: " + what + " length " + len + " (max " + max + ")");
    }
    ByteBuffer b = ByteBuffer.allocate(len);
    dc.readFully(b, System.nanoTime() + HANDSHAKE_NANOS);
    return b.array();
  }

  private byte[] awaitKey(String key, long waitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + Math.max(0, waitMillis) * 1_000_000L;
    synchronized (data) {
      while (!closed) {
        byte[] v = data.get(key);
        if (v != null) {
          return v;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return null;
        }
        data.wait(Math.min(left, 200));
      }
      return null;
    }
  }

  /** Stops accepting, disconnects every client and joins all store threads. */
  @Override
  public void close() {
    List<Thread> toJoin;
    synchronized (this) {
      closed = true;
      closeQuietly(server);
      clients.forEach(TcpStore::closeQuietly);
      toJoin = new ArrayList<>(handlers);
    }
    synchronized (data) {
      data.notifyAll();
    }
    try {
      acceptor.join();
      for (Thread t : toJoin) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      log.debug("close", e);
    }
  }
}
