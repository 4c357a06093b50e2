package dev.bigbatch.train.decentralized;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.ReduceOp;
import dev.bigbatch.engine.Memory;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.GradientSync;
import dev.bigbatch.train.Replicas;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The replicas of a decentralized job: each process keeps its own parameters (mixed with its
 * neighbours by {@link DecentralizedSgd}), so, unlike synchronous training,
 * <ul>
 *   <li>there is no gradient allreduce: the gradient each process uses is the mean over its own
 *       k/P·n examples (the trainer normalises the loss by the global k·n, so it is multiplied by P);</li>
 *   <li>there is no bit-identity check (the replicas differ by design);</li>
 *   <li>evaluation runs on the consensus x̄ = (1/P) Σ_i x_i (one allreduce into the model, evaluated,
 *       then each replica's own parameters are put back), and the consensus distance
 *       (1/P) Σ_i ||x_i − x̄||² is reported to the sink at every evaluation.</li>
 * </ul>
 * BN running statistics are not trained by gradients and are only used at evaluation; they stay local
 * during training and are averaged before evaluation, as in synchronous mode (so the evaluated network is
 * the consensus of parameters and of statistics). Broadcast, loss sums and closing go to {@code base}.
 * Checkpoints are per rank ({@link RankCheckpoints}): every replica writes its own parameters, momenta
 * and BN statistics, without averaging the statistics first.
 */
public final class DecentralizedReplicas implements Replicas {
  /** What one evaluation measured; bytes and rounds are cumulative for this rank. */
  public record Consensus(long epoch, double distance, long gossipRounds, long gossipPayloadBytes, long wireBytesSent) {}

  private final SyncSpec settings;
  private final Replicas base;
  private final Communicator comm;
  private final Gossip gossip;
  private final Consumer<Consensus> sink;

  /**
   * @param settings the topology and method, recorded in checkpoints
   * @param comm the communicator under {@code base}, or null when {@code base} is a single process
   * @param sink receives each evaluation's consensus figures (on every rank)
   */
  public DecentralizedReplicas(SyncSpec settings, Replicas base, Communicator comm, Gossip gossip,
      Consumer<Consensus> sink) {
    if (gossip.topology().kind() != settings.topologyOrDefault()) {
      throw new IllegalArgumentException("gossip runs " + gossip.topology() + " but the settings say "
          + Decentralized.describe(settings));
    }
    this.settings = settings;
    this.base = base;
    this.comm = comm;
    this.gossip = gossip;
    this.sink = sink;
  }

  public Gossip gossip() {
    return gossip;
  }

  SyncSpec settings() {
    return settings;
  }

  /** The communicator under the replicas, or null for a single process. */
  Communicator communicator() {
    return comm;
  }

  @Override
  public int rank() {
    return base.rank();
  }

  @Override
  public int size() {
    return base.size();
  }

  @Override
  public void broadcastFromRankZero(Model model) {
    base.broadcastFromRankZero(model);
  }

  /** No allreduce: rescales the local gradient sum (loss over k·n) to the local mean (loss over k/P·n). */
  @Override
  public GradientSync gradientSync(Model model) {
    if (size() == 1) {
      return GradientSync.NONE;
    }
    Scalar replicas = new Scalar((double) size());
    return params -> {
      try (NoGradGuard g = new NoGradGuard()) {
        for (ModelParameter p : params) {
          Tensor grad = p.value().grad();
          if (grad.defined()) {
            grad.mul_(replicas);
          }
        }
      }
    };
  }

  @Override
  public void averageBuffers(Model model) {
    base.averageBuffers(model);
  }

  @Override
  public void sum(double[] values) {
    base.sum(values);
  }

  /** Nothing to check: decentralized replicas differ by design (the consensus distance measures how much). */
  @Override
  public void checkIdentical(Model model, long step) {}

  @Override
  public <T> T atConsensus(Model model, long epoch, Supplier<T> evaluation) {
    if (size() == 1) {
      sink.accept(new Consensus(epoch, 0.0, gossip.rounds(), gossip.payloadBytes(), 0));
      return evaluation.get();
    }
    try (PointerScope scope = Memory.scope(); NoGradGuard g = new NoGradGuard()) {
      List<Tensor> own = new ArrayList<>();
      List<FloatBuffer> views = new ArrayList<>();
      for (ModelParameter p : model.params()) {
        own.add(p.value().detach().clone());
        views.add(Tensors.view(p.value()));
      }
      comm.allreduce(views, ReduceOp.MEAN); // the model now holds x̄
      double[] distance = {0};
      for (int i = 0; i < own.size(); i++) {
        distance[0] += own.get(i).sub(model.params().get(i).value()).square().sum().item_double();
      }
      base.sum(distance);
      sink.accept(new Consensus(epoch, distance[0] / size(), gossip.rounds(), gossip.payloadBytes(), comm.bytesSent()));
      try {
        return evaluation.get();
      } finally {
        for (int i = 0; i < own.size(); i++) {
          model.params().get(i).value().copy_(own.get(i));
        }
      }
    }
  }

  /** Every rank writes its own file ({@link RankCheckpoints#fileOf}); BN statistics are saved as they are, not averaged. */
  @Override
  public void saveCheckpoint(Path path, Model model, boolean buffersAveraged, Supplier<Checkpoints.State> state) {
    RankCheckpoints.save(path, state.get(), settings, size(), rank(), gossip);
  }

  @Override
  public long bytesSent() {
    return base.bytesSent();
  }

  @Override
  public void close() {
    base.close();
  }
}
