package dev.bigbatch.spark;

import dev.bigbatch.cli.TrainCommand;
import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicator;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.engine.Natives;
import dev.bigbatch.job.Job;
import dev.bigbatch.job.Joined;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.EpochMetrics;
import dev.bigbatch.train.StepMetrics;
import dev.bigbatch.train.TrainListener;
import dev.bigbatch.train.decentralized.RankCheckpoints;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * One rank of the job, run as one task of the barrier stage: joins the others through a single
 * all-gather, then trains exactly as {@code bigbatch train} does with the same flags. Ships to the
 * executors inside the task closure, job secret included; {@link #toString()} never shows it.
 */
final class RankTask extends AbstractFunction1<Iterator<Integer>, Iterator<RankReport>> implements Serializable {
  /** Test hook: the given rank throws after the given step, in the stage's first attempt only. */
  record Fault(int rank, long afterStep) implements Serializable {
    TrainListener listener() {
      return new TrainListener() {
        @Override
        public void onStep(StepMetrics m) {
          if (m.step() == afterStep) {
            throw new IllegalStateException("injected failure of rank " + rank + " after step " + afterStep);
          }
        }
      };
    }
  }

  private final String[] trainArgs;
  private final byte[] secret;
  private final String listenHost; // null: the executor's host as Spark knows it
  private final Fault fault; // null in real runs

  RankTask(List<String> trainArgs, byte[] secret, String listenHost, Fault fault) {
    this.trainArgs = trainArgs.toArray(String[]::new);
    this.secret = secret.clone();
    this.listenHost = listenHost;
    this.fault = fault;
  }

  /** Runs this task's rank; the input partition (the rank number) is not needed, the context knows it. */
  @Override
  public Iterator<RankReport> apply(Iterator<Integer> partition) {
    return CollectionConverters.asScala(List.of(run(BarrierTaskContext.get())).iterator());
  }

  private RankReport run(BarrierTaskContext ctx) {
    Natives.ensureCached(); // before any torch class: a fresh JavaCPP cache crashes otherwise
    WorldSpec world = new WorldSpec(ctx.partitionId(), ctx.getTaskInfos().length);
    TrainCommand cmd = TrainCommand.parse(trainArgs);
    // Every attempt continues from the run's last checkpoint if there is one; all ranks must agree on it.
    // A --sync decentralized run has one file per rank: each rank looks at its own, and the ranks pick their
    // common save when they resume (after a stop during a save their last files differ by one save), so
    // here they agree on the path only and the report's start step is this rank's last save.
    JobSpec spec = cmd.spec();
    boolean perRank = spec.sync().decentralized();
    Path checkpoint = spec.output().checkpointFile();
    if (Files.exists(perRank ? RankCheckpoints.newestFile(checkpoint, world.rank()) : checkpoint)) {
      cmd.resumeFrom(checkpoint);
    }
    Path resume = cmd.resumePath();
    long startStep = resume == null ? 0
        : Checkpoints.load(perRank ? RankCheckpoints.newestFile(resume, world.rank()) : resume).nextStep();
    String agreement = resume == null ? "fresh start"
        : "resume from " + resume.toAbsolutePath() + (perRank ? " (per-rank files)" : " at step " + startStep);
    String host = listenHost != null ? listenHost : hostOf(ctx.getTaskInfos()[world.rank()].address());

    Outcome outcome = new Outcome(startStep);
    Job job = cmd.job().listener(outcome)
        .join(sync -> join(ctx, world, host, agreement, sync.commTimeoutSeconds()));
    if (fault != null && fault.rank() == world.rank() && ctx.stageAttemptNumber() == 0) {
      job.listener(fault.listener());
    }
    job.run();
    return new RankReport(world.rank(), ctx.stageAttemptNumber(), startStep, outcome.stepsDone, outcome.testAccuracy);
  }

  /** Listens on {@code host}, exchanges endpoints in the stage's one all-gather, connects the mesh. */
  private Joined join(BarrierTaskContext ctx, WorldSpec world, String host, String agreement, double timeoutSeconds) {
    if (!(timeoutSeconds > 0)) {
      throw new IllegalArgumentException("--comm-timeout must be > 0 seconds, got " + timeoutSeconds);
    }
    CommOptions options = CommOptions.defaults().withTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000)))
        .withListenHost(host);
    Communicator comm = Communicators.connect(world, new AllGatherRendezvous(ctx::allGather, agreement),
        JobSecret.of(secret), options);
    return Joined.rank(comm);
  }

  /** Spark gives the executor's address as a host, possibly with a port. */
  static String hostOf(String address) {
    int colon = address.lastIndexOf(':');
    return colon > 0 && address.indexOf(':') == colon ? address.substring(0, colon) : address;
  }

  /** Records how far this attempt got, for the report. */
  private static final class Outcome implements TrainListener {
    long stepsDone;
    double testAccuracy = Double.NaN;

    Outcome(long startStep) {
      this.stepsDone = startStep;
    }

    @Override
    public void onStep(StepMetrics m) {
      stepsDone = m.step() + 1;
    }

    @Override
    public void onEpoch(EpochMetrics m) {
      testAccuracy = m.testAccuracy();
    }
  }

  @Override
  public String toString() {
    return "RankTask[" + String.join(" ", trainArgs) + ", secret redacted]";
  }
}
