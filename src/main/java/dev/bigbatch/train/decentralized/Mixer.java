package dev.bigbatch.train.decentralized;

import java.nio.FloatBuffer;

/** One synchronous gossip round: every replica i replaces its vector y_i by Σ_j w_ij · y_j. */
public interface Mixer {
  Topology topology();

  /** This replica's index i. */
  int rank();

  /**
   * Writes Σ_j w_ij · y_j into {@code out}, where {@code mine} is y_i and the y_j arrive from the
   * in-neighbours. Every replica must call it the same number of times with vectors of one length;
   * {@code mine} must not be touched until it returns. Positions of both buffers are not changed.
   */
  void mix(FloatBuffer mine, FloatBuffer out);
}
