package dev.bigbatch.comm.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * State of the connection to one peer. Confined to the transport's I/O thread: queued sends, posted
 * receives, messages that arrived before their receive was posted, and the partially read/written frame.
 */
final class Connection {
  /** A posted send, receive or control frame. */
  record Op(Connection conn, boolean isSend, byte type, int tag, ByteBuffer buf, Request request, long postedNanos) {
  }

  /** A complete message that arrived before its receive was posted. */
  private record Early(int tag, ByteBuffer data) {
  }

  /** Thrown for bytes that violate the framing; the peer is at fault. */
  static final class ProtocolException extends IOException {
    ProtocolException(String message) {
      super(message);
    }
  }

  /** The peer reported a failure and names the rank it blames. */
  static final class AbortReceived extends IOException {
    final int blamedRank;

    AbortReceived(int blamedRank) {
      super("aborted");
      this.blamedRank = blamedRank;
    }
  }

  /** Messages without a posted receive larger than this are treated as garbage. */
  private static final int MAX_EARLY_BYTES = 512 << 20;
  /** Direct buffers kept per connection for early messages (beyond that they go to the heap). */
  private static final int MAX_SPARES = 8;

  final int peer;
  final SocketChannel channel;
  SelectionKey key;

  private final ArrayDeque<Op> sendQueue = new ArrayDeque<>();
  private Op sending;
  private final ByteBuffer sendHeader = ByteBuffer.allocateDirect(Frame.HEADER_BYTES);
  private final ByteBuffer[] sendVector = new ByteBuffer[2];

  private final ArrayDeque<Op> posted = new ArrayDeque<>();
  private final ArrayDeque<Early> early = new ArrayDeque<>();
  private final ArrayDeque<ByteBuffer> spares = new ArrayDeque<>();
  private int directOwned;
  private final ByteBuffer readHeader = ByteBuffer.allocateDirect(Frame.HEADER_BYTES);
  private ByteBuffer incoming; // payload target while inside a frame, else null
  private Op incomingOp; // its posted receive, or null if it arrived early
  private int incomingTag;

  long lastReceivedNanos;
  long lastSentNanos;
  /** Bytes written to this socket so far (frame headers and heartbeats included); read by any thread. */
  final AtomicLong bytesWritten = new AtomicLong();
  boolean goodbyeReceived;
  boolean goodbyeSent;
  boolean eof;

  Connection(int peer, SocketChannel channel, long nowNanos) {
    this.peer = peer;
    this.channel = channel;
    this.lastReceivedNanos = nowNanos;
    this.lastSentNanos = nowNanos;
  }

  /** Queues a frame; the caller then calls {@link #onWritable}. */
  void enqueueSend(Op op) {
    sendQueue.add(op);
  }

  /** Posts a receive, matching an early message if one is waiting. */
  void postRecv(Op op) throws ProtocolException {
    Early e = early.poll();
    if (e == null) {
      posted.add(op);
      return;
    }
    posted.add(op); // so that a failed check still fails this request
    check(op, e.tag, e.data.remaining());
    posted.remove(op);
    op.buf().duplicate().put(e.data);
    recycle(e.data);
    op.request().complete();
  }

  boolean idleForHeartbeat() {
    return sending == null && sendQueue.isEmpty() && !goodbyeSent && !goodbyeReceived;
  }

  /** The oldest posted receive no byte of which has arrived yet, or null. */
  Op oldestUnstartedRecv() {
    return incomingOp != null ? null : posted.peek();
  }

  boolean hasPendingReceives() {
    return !posted.isEmpty() || incomingOp != null;
  }

  /** Writes queued frames until the socket is full or {@code budget} bytes are out. */
  void onWritable(long budget, long nowNanos) throws IOException {
    long written = 0;
    while (written < budget) {
      if (sending == null) {
        sending = sendQueue.poll();
        if (sending == null) {
          break;
        }
        Frame.writeHeader(sendHeader, sending.type(), sending.tag(), sending.buf().remaining());
        sendVector[0] = sendHeader;
        sendVector[1] = sending.buf();
      }
      long n = channel.write(sendVector);
      if (n > 0) {
        written += n;
        bytesWritten.addAndGet(n);
        lastSentNanos = nowNanos;
      }
      if (sendHeader.hasRemaining() || sendVector[1].hasRemaining()) {
        if (n == 0) {
          break;
        }
        continue;
      }
      Op done = sending;
      sending = null;
      sendVector[1] = null;
      if (done.request() != null) {
        done.request().complete();
      }
      if (done.type() == Frame.GOODBYE) {
        goodbyeSent = true;
        channel.shutdownOutput();
        sendQueue.clear();
        break;
      }
    }
    updateInterest();
  }

  /** Reads frames until the socket is empty or {@code budget} bytes are in. */
  void onReadable(long budget, long nowNanos) throws IOException {
    long read = 0;
    while (read < budget && !eof) {
      ByteBuffer target = incoming != null ? incoming : readHeader;
      int n = channel.read(target);
      if (n < 0) {
        onEof();
        return;
      }
      if (n == 0) {
        return;
      }
      read += n;
      lastReceivedNanos = nowNanos;
      if (target.hasRemaining()) {
        continue;
      }
      if (incoming != null) {
        finishIncoming();
      } else {
        readHeader.flip();
        parseHeader();
        readHeader.clear();
      }
    }
  }

  /** After a failure: read and throw away everything until the peer closes. */
  void drain(ByteBuffer scratch) throws IOException {
    while (!eof) {
      scratch.clear();
      int n = channel.read(scratch);
      if (n < 0) {
        eof = true;
        updateInterest();
      }
      if (n <= 0) {
        return;
      }
    }
  }

  private void parseHeader() throws IOException {
    int magic = readHeader.getInt();
    byte type = readHeader.get();
    readHeader.position(readHeader.position() + 3);
    int tag = readHeader.getInt();
    int length = readHeader.getInt();
    if (magic != Frame.MAGIC) {
      throw new ProtocolException(String.format("bad frame magic 0x%08x (garbage on the wire)", magic));
    }
    switch (type) {
      case Frame.HEARTBEAT -> { }
      case Frame.GOODBYE -> {
        goodbyeReceived = true;
        if (!posted.isEmpty()) { // GOODBYE is the last frame: these receives can never complete
          throw new EOFException("closed its communicator while this rank still expected data from it");
        }
      }
      case Frame.ABORT -> throw new AbortReceived(tag);
      case Frame.DATA -> startIncoming(tag, length);
      default -> throw new ProtocolException("unknown frame type " + type);
    }
    if (type != Frame.DATA && length != 0) {
      throw new ProtocolException("control frame with payload length " + length);
    }
  }

  private void startIncoming(int tag, int length) throws ProtocolException {
    if (length < 0) {
      throw new ProtocolException("negative frame length " + length);
    }
    incomingTag = tag;
    incomingOp = posted.poll();
    if (incomingOp != null) {
      check(incomingOp, tag, length);
      incoming = incomingOp.buf().duplicate();
    } else {
      if (length > MAX_EARLY_BYTES) {
        throw new ProtocolException("unsolicited frame of " + length + " bytes");
      }
      incoming = earlyBuffer(length);
    }
    if (length == 0) {
      finishIncoming();
    }
  }

  private void finishIncoming() throws ProtocolException {
    ByteBuffer data = incoming;
    Op op = incomingOp;
    incoming = null;
    incomingOp = null;
    if (op != null) {
      op.request().complete();
      return;
    }
    data.flip();
    Op waiting = posted.peek();
    if (waiting == null) {
      early.add(new Early(incomingTag, data));
      return;
    }
    check(waiting, incomingTag, data.remaining());
    posted.poll();
    waiting.buf().duplicate().put(data);
    recycle(data);
    waiting.request().complete();
  }

  /**
   * A buffer for a message that arrived before its receive: a recycled direct buffer, a new direct one
   * while fewer than {@link #MAX_SPARES} exist, else a heap buffer (so early messages cannot pin
   * unbounded direct memory).
   */
  private ByteBuffer earlyBuffer(int length) {
    if (length < 4096) {
      return ByteBuffer.allocate(length);
    }
    for (var it = spares.iterator(); it.hasNext(); ) {
      ByteBuffer b = it.next();
      if (b.capacity() >= length) {
        it.remove();
        b.clear().limit(length);
        return b;
      }
    }
    if (directOwned == MAX_SPARES && !spares.isEmpty()) {
      spares.poll(); // every spare is too small: let the GC have one, replace it with a bigger one
      directOwned--;
    }
    if (directOwned < MAX_SPARES) {
      directOwned++;
      return ByteBuffer.allocateDirect(length);
    }
    return ByteBuffer.allocate(length);
  }

  private void recycle(ByteBuffer b) {
    if (b.isDirect()) {
      spares.add(b);
    }
  }

  private void check(Op op, int tag, int length) throws ProtocolException {
    if (tag != op.tag()) {
      throw new ProtocolException("sent a message for operation #" + tag + " while this rank expected #"
          + op.tag() + " (all ranks must issue collectives and send/recv in the same order)");
    }
    if (length != op.buf().remaining()) {
      throw new ProtocolException("sent " + length + " bytes for operation #" + tag + " while this rank "
          + "expected " + op.buf().remaining() + " (ranks disagree on buffer sizes or options)");
    }
  }

  private void onEof() throws IOException {
    eof = true;
    updateInterest();
    if (!goodbyeReceived) {
      throw new EOFException("connection closed without goodbye (process exited or was killed)");
    }
    if (!posted.isEmpty()) {
      throw new EOFException("closed its communicator while this rank still expected data from it");
    }
  }

  /** Every op not yet completed, for failing them all. */
  java.util.List<Op> takeUnfinished() {
    java.util.List<Op> all = new java.util.ArrayList<>(posted);
    all.addAll(sendQueue);
    if (sending != null) {
      all.add(sending);
    }
    if (incomingOp != null) {
      all.add(incomingOp);
    }
    posted.clear();
    sendQueue.clear();
    sending = null;
    incomingOp = null;
    incoming = null;
    return all;
  }

  /** Whether a frame is half written (then no control frame can be inserted). */
  boolean midFrame() {
    return sending != null;
  }

  void updateInterest() {
    if (key == null || !key.isValid()) {
      return;
    }
    int ops = 0;
    if (!eof) {
      ops |= SelectionKey.OP_READ;
    }
    if (sending != null || !sendQueue.isEmpty()) {
      ops |= SelectionKey.OP_WRITE;
    }
    key.interestOps(ops);
  }
}
