package dev.bigbatch.comm;

import dev.bigbatch.comm.algorithm.AllgatherRing;
import dev.bigbatch.comm.algorithm.AllreduceHalvingDoubling;
import dev.bigbatch.comm.algorithm.AllreduceRing;
import dev.bigbatch.comm.algorithm.BarrierDissemination;
import dev.bigbatch.comm.algorithm.BroadcastBinomial;
import dev.bigbatch.comm.algorithm.CollectiveContext;
import dev.bigbatch.comm.algorithm.Reduction;
import dev.bigbatch.comm.transport.Request;
import dev.bigbatch.comm.transport.Transport;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@link Communicator} running the algorithms over a {@link Transport}. One worker thread executes the
 * operations in issue order; each gets a sequence number as its message tag so that ranks issuing
 * collectives in different orders are caught instead of silently mixing data.
 */
final class TransportCommunicator implements Communicator {
  private static final int P2P_TAG_BIT = 0x8000_0000;

  private final Transport transport;
  private final CommOptions options;
  private final ExecutorService worker;
  private final Staging staging = new Staging();
  private final Staging scratch = new Staging();
  private final int[] sendSeq;
  private final int[] recvSeq;
  private final AutoCloseable owned; // closed after the transport (e.g. the rendezvous store), or null
  private int collectiveSeq;

  TransportCommunicator(Transport transport, CommOptions options) {
    this(transport, options, null);
  }

  /** Also owns {@code owned}, closed after the transport. */
  TransportCommunicator(Transport transport, CommOptions options, AutoCloseable owned) {
    this.owned = owned;
    this.transport = transport;
    this.options = options;
    this.sendSeq = new int[transport.size()];
    this.recvSeq = new int[transport.size()];
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bigbatch-comm-worker-r" + transport.rank());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public int rank() {
    return transport.rank();
  }

  @Override
  public int size() {
    return transport.size();
  }

  @Override
  public Work allreduceAsync(List<? extends Buffer> buffers, ReduceOp op, AllreduceAlgorithm algorithm) {
    DataType type = commonType(buffers);
    return submit(collectiveTag(), ctx -> {
      ByteBuffer bytes = staging.take(Staging.bytesOf(buffers, type));
      Staging.pack(buffers, bytes);
      allreduceInPlace(ctx, bytes, type, op, algorithm);
      Staging.unpack(bytes, buffers);
    });
  }

  @Override
  public Work allreduceAsync(ByteBuffer data, DataType type, ReduceOp op, AllreduceAlgorithm algorithm) {
    if (data.remaining() % type.bytes() != 0) {
      throw new IllegalArgumentException(data.remaining() + " bytes is not a whole number of " + type);
    }
    ByteBuffer view = data.slice();
    return submit(collectiveTag(), ctx -> allreduceInPlace(ctx, view, type, op, algorithm));
  }

  private void allreduceInPlace(CollectiveContext ctx, ByteBuffer bytes, DataType type, ReduceOp op,
      AllreduceAlgorithm requested) {
    if (resolve(requested, options, bytes.remaining(), size()) == AllreduceAlgorithm.RING) {
      new AllreduceRing(ctx, bytes, type, op).run();
    } else {
      new AllreduceHalvingDoubling(ctx, bytes, type, op).run();
    }
    Reduction.finish(type, op, size(), bytes);
  }

  /**
   * The algorithm a call runs: the call's choice, else the options', else by size and world size
   * (identical on every rank). Auto takes halving-doubling only for buffers below the threshold and
   * only where it needs fewer latency rounds than the ring: 2·log2(p) (+ 2 for the fold-in/out of
   * the N − p extra ranks when N is not a power of two p) against the ring's 2(N − 1). At N = 3 both
   * take 4 rounds and the fold also sends the whole buffer twice, so the ring wins; measured on
   * 50 Mbit/s links at 256 KB: 64 ms ring vs 132 ms halving-doubling (docs/RESULTS-lint-plan.md §2.1).
   */
  static AllreduceAlgorithm resolve(AllreduceAlgorithm requested, CommOptions options, long bytes, int worldSize) {
    AllreduceAlgorithm algorithm = requested == AllreduceAlgorithm.AUTO ? options.algorithm() : requested;
    if (algorithm != AllreduceAlgorithm.AUTO) {
      return algorithm;
    }
    int p = Integer.highestOneBit(Math.max(1, worldSize));
    int hdRounds = 2 * Integer.numberOfTrailingZeros(p) + (p == worldSize ? 0 : 2);
    boolean fewerRounds = hdRounds < 2 * (worldSize - 1);
    return bytes < options.autoThresholdBytes() && fewerRounds ? AllreduceAlgorithm.HALVING_DOUBLING : AllreduceAlgorithm.RING;
  }

  @Override
  public Work broadcastAsync(Buffer data, int root) {
    if (root < 0 || root >= size()) {
      throw new IllegalArgumentException("broadcast root " + root + " outside world of " + size());
    }
    List<Buffer> list = List.of(data);
    DataType type = Staging.typeOf(data);
    return submit(collectiveTag(), ctx -> {
      ByteBuffer bytes = staging.take(Staging.bytesOf(list, type));
      if (rank() == root) {
        Staging.pack(list, bytes);
      }
      new BroadcastBinomial(ctx, bytes, root).run();
      if (rank() != root) {
        Staging.unpack(bytes, list);
      }
    });
  }

  @Override
  public Work allgatherAsync(Buffer in, Buffer out) {
    DataType type = commonType(List.of(in, out));
    if ((long) in.remaining() * size() != out.remaining()) {
      throw new IllegalArgumentException("allgather output must hold " + size() + " x " + in.remaining()
          + " elements, has " + out.remaining());
    }
    return submit(collectiveTag(), ctx -> {
      long inBytes = (long) in.remaining() * type.bytes();
      ByteBuffer all = staging.take(inBytes * (size() + 1));
      ByteBuffer mine = all.slice(0, (int) inBytes);
      ByteBuffer gathered = all.slice((int) inBytes, (int) (inBytes * size()));
      Staging.pack(List.of(in), mine);
      new AllgatherRing(ctx, mine, gathered, type.bytes()).run();
      Staging.unpack(gathered, List.of(out));
    });
  }

  @Override
  public Work barrierAsync() {
    return submit(collectiveTag(), ctx -> new BarrierDissemination(ctx).run());
  }

  @Override
  public Work sendAsync(int peer, Buffer data) {
    checkPeer(peer);
    DataType type = Staging.typeOf(data);
    int tag;
    synchronized (this) {
      tag = P2P_TAG_BIT | (sendSeq[peer]++ & 0x7fff_ffff);
    }
    return submit(tag, ctx -> {
      ByteBuffer bytes = staging.take(Staging.bytesOf(List.of(data), type));
      Staging.pack(List.of(data), bytes);
      List<Request> sends = new ArrayList<>();
      for (ByteBuffer chunk : chunks(bytes)) {
        sends.add(transport.pair(peer).send(tag, chunk));
      }
      sends.forEach(Request::await);
    });
  }

  @Override
  public Work recvAsync(int peer, Buffer data) {
    checkPeer(peer);
    DataType type = Staging.typeOf(data);
    int tag;
    synchronized (this) {
      tag = P2P_TAG_BIT | (recvSeq[peer]++ & 0x7fff_ffff);
    }
    return submit(tag, ctx -> {
      ByteBuffer bytes = staging.take(Staging.bytesOf(List.of(data), type));
      List<Request> recvs = new ArrayList<>();
      for (ByteBuffer chunk : chunks(bytes)) {
        recvs.add(transport.pair(peer).recv(tag, chunk));
      }
      recvs.forEach(Request::await);
      Staging.unpack(bytes, List.of(data));
    });
  }

  private List<ByteBuffer> chunks(ByteBuffer bytes) {
    List<ByteBuffer> out = new ArrayList<>();
    for (int at = 0; at < bytes.remaining(); at += options.chunkBytes()) {
      out.add(bytes.slice(at, Math.min(options.chunkBytes(), bytes.remaining() - at)));
    }
    return out;
  }

  private void checkPeer(int peer) {
    if (peer < 0 || peer >= size() || peer == rank()) {
      throw new IllegalArgumentException("peer " + peer + " is not another rank of a world of " + size());
    }
  }

  private static DataType commonType(List<? extends Buffer> buffers) {
    if (buffers.isEmpty()) {
      throw new IllegalArgumentException("no buffers given");
    }
    DataType type = Staging.typeOf(buffers.get(0));
    for (Buffer b : buffers) {
      if (Staging.typeOf(b) != type) {
        throw new IllegalArgumentException("all buffers of one operation must have the same element type");
      }
    }
    return type;
  }

  private synchronized int collectiveTag() {
    return collectiveSeq++ & 0x7fff_ffff;
  }

  private interface Body {
    void run(CollectiveContext ctx);
  }

  private Work submit(int tag, Body body) {
    CollectiveContext ctx = new CollectiveContext(transport, tag, options.chunkBytes(), scratch::take);
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      worker.execute(() -> {
        try {
          body.run(ctx);
          done.complete(null);
        } catch (Throwable t) {
          done.completeExceptionally(t);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw new IllegalStateException("communicator is closed", e);
    }
    return new Work(done);
  }

  @Override
  public long bytesSent() {
    return transport.bytesSent();
  }

  @Override
  public void close() {
    try {
      closeWorkerAndTransport();
    } finally {
      if (owned != null) {
        try {
          owned.close();
        } catch (Exception e) {
          throw new CommException("closing " + owned + " failed", e);
        }
      }
    }
  }

  private void closeWorkerAndTransport() {
    worker.shutdown();
    try {
      long waitNanos = options.timeout().toNanos() * 2;
      if (!worker.awaitTermination(waitNanos, TimeUnit.NANOSECONDS)) {
        // Operations still stuck (peers alive but not participating): closing the transport fails them.
        transport.close();
        worker.awaitTermination(waitNanos, TimeUnit.NANOSECONDS);
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    transport.close();
  }
}
