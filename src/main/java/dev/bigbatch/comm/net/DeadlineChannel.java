package dev.bigbatch.comm.net;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Blocking-style reads and writes on a non-blocking {@link SocketChannel}, each bounded by an absolute
 * deadline (plain blocking SocketChannels ignore socket timeouts). Closing this closes only its private
 * selector unless {@link #closeChannel()} is used, so a transport can take the channel over afterwards.
 */
public final class DeadlineChannel implements AutoCloseable {
  private final SocketChannel channel;
  private final Selector selector;

  public DeadlineChannel(SocketChannel channel) throws IOException {
    this.channel = channel;
    channel.configureBlocking(false);
    this.selector = Selector.open();
  }

  /** Connects to {@code address}, retrying refused connections until the deadline (the peer may not be up yet). */
  public static SocketChannel connect(InetSocketAddress address, long deadlineNanos) throws IOException {
    long backoffMillis = 10;
    while (true) {
      SocketChannel ch = SocketChannel.open();
      try {
        ch.configureBlocking(false);
        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        if (!ch.connect(address)) {
          try (Selector s = Selector.open()) {
            ch.register(s, SelectionKey.OP_CONNECT);
            while (!ch.finishConnect()) {
              long left = remainingMillis(deadlineNanos);
              if (left <= 0) {
                throw new SocketTimeoutException("connect to " + address + " timed out");
              }
              s.select(left);
            }
          }
        }
        return ch;
      } catch (java.net.ConnectException e) {
        ch.close();
        if (remainingMillis(deadlineNanos) <= backoffMillis) {
          throw e;
        }
        sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, 500);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }
  }

  public SocketChannel channel() {
    return channel;
  }

  /** Fills {@code buf} completely or throws (EOF, timeout, I/O error). */
  public void readFully(ByteBuffer buf, long deadlineNanos) throws IOException {
    while (buf.hasRemaining()) {
      int n = channel.read(buf);
      if (n < 0) {
        throw new EOFException("connection closed by " + remote());
      }
      if (n == 0) {
        await(SelectionKey.OP_READ, deadlineNanos);
      }
    }
  }

  /** Writes all of {@code buf} or throws. */
  public void writeFully(ByteBuffer buf, long deadlineNanos) throws IOException {
    while (buf.hasRemaining()) {
      if (channel.write(buf) == 0) {
        await(SelectionKey.OP_WRITE, deadlineNanos);
      }
    }
  }

  private void await(int op, long deadlineNanos) throws IOException {
    long left = remainingMillis(deadlineNanos);
    if (left <= 0) {
      throw new SocketTimeoutException("timed out talking to " + remote());
    }
    SelectionKey key = channel.keyFor(selector);
    if (key == null) {
      key = channel.register(selector, op);
    } else {
      key.interestOps(op);
    }
    // Short slices so that closing the channel from another thread is noticed promptly.
    selector.select(Math.min(left, 200));
    selector.selectedKeys().clear();
  }

  private String remote() {
    try {
      return String.valueOf(channel.getRemoteAddress());
    } catch (IOException e) {
      return "?";
    }
  }

  /** Closes the private selector and the channel. */
  public void closeChannel() throws IOException {
    try {
      close();
    } finally {
      channel.close();
    }
  }

  /** Closes the private selector only; the channel stays open (and non-blocking). */
  @Override
  public void close() throws IOException {
    selector.close();
  }

  static long remainingMillis(long deadlineNanos) {
    return (deadlineNanos - System.nanoTime()) / 1_000_000L;
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while connecting");
    }
  }
}
