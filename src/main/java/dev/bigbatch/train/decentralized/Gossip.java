package dev.bigbatch.train.decentralized;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.Work;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Mixer} over a {@link Communicator}'s point-to-point messages: per round, y_i is sent to every
 * out-neighbour and one message is received from every in-neighbour (all issued, then awaited; the
 * transport buffers a message that arrives before its receive, so no ordering of the ranks can
 * deadlock), then the weighted sum is taken in float64, in ascending neighbour order. With the
 * {@code FULL} topology every rank sums the same P vectors in the same order, so identical inputs give
 * bit-identical outputs on all ranks. A single replica (no communicator) just copies.
 *
 * <p>Payload per round and rank: |y| · 4 bytes · out-degree (ring: 2|x|, exponential graph:
 * ⌈log2 P⌉·|x|; ring allreduce: 2(P−1)/P·|x|). {@link #payloadBytes()} counts it; the socket-level
 * count including frame headers is {@link Communicator#bytesSent()}.
 */
public final class Gossip implements Mixer {
  private final Communicator comm;
  private final Topology topology;
  private final int rank;
  private final List<Integer> in;
  private final List<Integer> out;
  /** Summation order: ascending replica index; entry k ≥ 0 is in-neighbour k, −1 is this replica. */
  private final int[] sources;
  private final double[] sourceWeights;
  private double[] acc = new double[0];
  private final List<FloatBuffer> received = new ArrayList<>();
  private long rounds;
  private long payloadBytes;

  /** @param comm the job's communicator; null only for a single replica */
  public Gossip(Communicator comm, Topology topology) {
    int size = comm == null ? 1 : comm.size();
    if (topology.size() != size) {
      throw new IllegalArgumentException("topology is for " + topology.size() + " replicas, the job has " + size);
    }
    this.comm = comm;
    this.topology = topology;
    this.rank = comm == null ? 0 : comm.rank();
    this.in = topology.inNeighbours(rank);
    this.out = topology.outNeighbours(rank);
    this.sources = new int[in.size() + 1];
    this.sourceWeights = new double[in.size() + 1];
    int s = 0;
    for (int j = 0; j < topology.size(); j++) {
      if (j == rank || in.contains(j)) {
        sources[s] = j == rank ? -1 : in.indexOf(j);
        sourceWeights[s++] = topology.weight(rank, j);
      }
    }
  }

  @Override
  public Topology topology() {
    return topology;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public void mix(FloatBuffer mine, FloatBuffer result) {
    int n = mine.remaining();
    if (result.remaining() != n) {
      throw new IllegalArgumentException("mix output holds " + result.remaining() + " floats, input " + n);
    }
    ensureReceiveBuffers(n);
    // Phase 1: post every send and receive of the round, then wait for all of them.
    List<Work> pending = new ArrayList<>();
    for (int peer : out) {
      pending.add(comm.sendAsync(peer, mine.duplicate()));
    }
    for (int k = 0; k < in.size(); k++) {
      pending.add(comm.recvAsync(in.get(k), received.get(k).duplicate()));
    }
    for (Work w : pending) {
      w.await();
    }
    // Phase 2: out = Σ_j w_ij · y_j over j in ascending order (i itself included), in float64.
    if (acc.length != n) {
      acc = new double[n];
    }
    java.util.Arrays.fill(acc, 0.0);
    int base = mine.position();
    for (int s = 0; s < sources.length; s++) {
      FloatBuffer y = sources[s] < 0 ? mine : received.get(sources[s]);
      int off = sources[s] < 0 ? base : 0;
      double w = sourceWeights[s];
      for (int e = 0; e < n; e++) {
        acc[e] += w * y.get(off + e);
      }
    }
    int dst = result.position();
    for (int e = 0; e < n; e++) {
      result.put(dst + e, (float) acc[e]);
    }
    rounds++;
    payloadBytes += (long) n * Float.BYTES * out.size();
  }

  private void ensureReceiveBuffers(int n) {
    if (!received.isEmpty() && received.get(0).capacity() == n) {
      return;
    }
    received.clear();
    for (int k = 0; k < in.size(); k++) {
      received.add(ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer());
    }
  }

  /** Gossip rounds done so far. */
  public long rounds() {
    return rounds;
  }

  /** Continues the counters of a resumed run (they only feed the consensus log). */
  void restoreCounters(long rounds, long payloadBytes) {
    this.rounds = rounds;
    this.payloadBytes = payloadBytes;
  }

  /** Payload bytes this rank has sent in gossip rounds (without frame headers). */
  public long payloadBytes() {
    return payloadBytes;
  }
}
