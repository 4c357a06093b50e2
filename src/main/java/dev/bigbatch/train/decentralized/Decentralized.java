package dev.bigbatch.train.decentralized;

import dev.bigbatch.comm.Communicator;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.OptimizerSpec;
import dev.bigbatch.spec.Specs;
import dev.bigbatch.spec.SyncSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.Replicas;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns {@code --sync decentralized} settings and the joined process (alone, or one rank of a communicator) into the
 * trainer's replicas and optimizer.
 */
public final class Decentralized {
  private Decentralized() {}

  /** {@code --decent-method} on {@code --topology}, e.g. {@code decentlam on ring}. */
  static String describe(SyncSpec s) {
    return s.methodOrDefault().name().toLowerCase(Locale.ROOT) + " on "
        + s.topologyOrDefault().name().toLowerCase(Locale.ROOT);
  }

  /** What the trainer runs with. */
  public record Job(DecentralizedReplicas replicas, Optimizer optimizer) {
    /**
     * Collective: every rank loads its own checkpoint file for {@code base} ({@link RankCheckpoints}) into
     * {@code model} and this job's optimizer and returns it for {@link dev.bigbatch.train.Trainer#resumeFrom};
     * missing or mismatched files, or no save common to all ranks, fail every rank with the same message.
     * Rank 0 tells {@code console} when the ranks fall back to the previous save.
     */
    public Checkpoints.State resume(Path base, JobSpec c, Model model, PrintStream console) {
      return RankCheckpoints.resume(base, c, model, optimizer, replicas, replicas.rank() == 0 ? console::println : x -> {});
    }
  }

  /** {@link #setUp(SyncSpec, JobSpec, Model, Replicas, Communicator, Path, PrintStream, boolean)} of a fresh run. */
  public static Job setUp(SyncSpec s, JobSpec c, Model model, Replicas joined, Communicator comm, Path out,
      PrintStream console) {
    return setUp(s, c, model, joined, comm, out, console, false);
  }

  /**
   * Wraps {@code joined} (a single process, or replicas over {@code comm}) and builds the decentralized optimizer over
   * the model's parameters, gossiping over {@code comm}; rank 0 logs consensus to {@code out} (appending when
   * {@code resuming}).
   *
   * @param comm the communicator under {@code joined}, null when {@code joined} is a single process
   */
  public static Job setUp(SyncSpec s, JobSpec c, Model model, Replicas joined, Communicator comm, Path out,
      PrintStream console, boolean resuming) {
    if (!s.decentralized()) {
      throw new IllegalArgumentException("--sync " + Specs.flagValue(s.mode()) + ": not a decentralized run");
    }
    if (c.optimizer().kind() != OptimizerSpec.Kind.SGD) { // JobSpec checks this when c carries s
      throw new IllegalArgumentException("--sync decentralized implements momentum SGD (DmSGD, DecentLaM); --optimizer "
          + Specs.flagValue(c.optimizer().kind()) + " is not supported, use --optimizer sgd");
    }
    if (comm == null && joined.size() != 1) {
      throw new IllegalArgumentException("--sync decentralized needs the processes to be joined by bigbatch's "
          + "communicator (bigbatch launch, mpirun, srun)");
    }
    if (comm != null && (comm.rank() != joined.rank() || comm.size() != joined.size())) {
      throw new IllegalArgumentException("the communicator is rank " + comm.rank() + " of " + comm.size()
          + " but the replicas are rank " + joined.rank() + " of " + joined.size());
    }
    Gossip gossip = new Gossip(comm, Topology.of(s.topologyOrDefault(), joined.size()));
    DecentralizedReplicas replicas = new DecentralizedReplicas(s, joined, comm, gossip,
        joined.rank() == 0 ? new ConsensusLog(out, console, resuming) : x -> {});
    OptimizerSpec o = c.optimizer();
    Optimizer opt = new DecentralizedSgd(model.params(), new DecentralizedSgd.Options(s.methodOrDefault(), o.momentum(),
        o.weightDecay(), o.nesterov(), o.decayBiasAndNorm()), gossip);
    if (joined.rank() == 0) {
      console.println("decentralized: " + describe(s) + ", " + gossip.topology());
    }
    return new Job(replicas, opt);
  }
}
