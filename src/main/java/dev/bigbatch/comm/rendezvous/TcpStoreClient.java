package dev.bigbatch.comm.rendezvous;

import dev.bigbatch.comm.net.DeadlineChannel;
import dev.bigbatch.comm.net.Handshake;
import dev.bigbatch.comm.net.JobSecret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** An authenticated connection to a {@link TcpStore}. Not thread-safe. */
public final class TcpStoreClient implements AutoCloseable {
  private static final long REQUEST_SLACK_NANOS = Duration.ofSeconds(10).toNanos();
  private final DeadlineChannel channel;

  private TcpStoreClient(DeadlineChannel channel) {
    this.channel = channel;
  }

  /** Connects (retrying while the store is not up yet, until {@code connectTimeout}) and authenticates. */
  public static TcpStoreClient connect(InetSocketAddress store, JobSecret secret, int clientId,
      Duration connectTimeout) {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    try {
      SocketChannel ch = DeadlineChannel.connect(store, deadline);
      DeadlineChannel dc = new DeadlineChannel(ch);
      try {
        Handshake.connect(dc, secret, StoreProtocol.PURPOSE, clientId, deadline);
      } catch (IOException | RuntimeException e) {
        dc.closeChannel();
        throw e;
      }
      return new TcpStoreClient(dc);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach the rendezvous store at " + store + ": " + e.getMessage(), e);
    }
  }

  /** Sets {@code key} to {@code value} (at most 1 MiB). */
  public void set(String key, byte[] value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ByteBuffer req = ByteBuffer.allocate(1 + 4 + k.length + 4 + value.length)
        .put(StoreProtocol.SET).putInt(k.length).put(k).putInt(value.length).put(value).flip();
    try {
      long deadline = System.nanoTime() + REQUEST_SLACK_NANOS;
      channel.writeFully(req, deadline);
      ByteBuffer status = ByteBuffer.allocate(1);
      channel.readFully(status, deadline);
      if (status.get(0) != StoreProtocol.OK) {
        throw new IOException("store refused SET " + key);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("rendezvous store SET " + key + " failed", e);
    }
  }

  /** Gets {@code key}, waiting up to {@code wait} for some rank to set it; empty if it never appears. */
  public Optional<byte[]> get(String key, Duration wait) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ByteBuffer req = ByteBuffer.allocate(1 + 4 + k.length + 8)
        .put(StoreProtocol.GET).putInt(k.length).put(k).putLong(wait.toMillis()).flip();
    try {
      long deadline = System.nanoTime() + wait.toNanos() + REQUEST_SLACK_NANOS;
      channel.writeFully(req, deadline);
      ByteBuffer status = ByteBuffer.allocate(1);
      channel.readFully(status, deadline);
      if (status.get(0) == StoreProtocol.TIMEOUT) {
        return Optional.empty();
      }
      ByteBuffer len = ByteBuffer.allocate(4);
      channel.readFully(len, deadline);
      int n = len.flip().getInt();
      if (n < 0 || n > StoreProtocol.MAX_VALUE_BYTES) {
        throw new IOException("store sent a value of " + n + " bytes");
      }
      ByteBuffer value = ByteBuffer.allocate(n);
      channel.readFully(value, deadline);
      return Optional.of(value.array());
    } catch (IOException e) {
      throw new UncheckedIOException("rendezvous store GET " + key + " failed", e);
    }
  }

  @Override
  public void close() {
    try {
      channel.closeChannel();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
