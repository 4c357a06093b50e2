package dev.bigbatch.spark;

import dev.bigbatch.cli.TrainCommand;
import dev.bigbatch.spec.JobSpec;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs {@code bigbatch train} with K processes as one Spark barrier stage: one task per rank
 * ({@code rdd.barrier()} over K partitions), which exchange endpoints once through
 * {@code BarrierTaskContext.allGather()} and then train over bigbatch's own collectives.
 *
 * <p>Failures: a shuffle follows the barrier stage, so when any rank fails Spark kills the gang and
 * reruns the whole stage (up to {@code spark.stage.maxConsecutiveAttempts}, default 4; each rank's task
 * also needs {@code spark.task.maxFailures} > 1, e.g. {@code local[K,4]}), instead of aborting the job.
 * Every attempt resumes from the run's checkpoint file when it exists, so a retry repeats at most the
 * steps since the last checkpoint ({@code --checkpoint-every}). The checkpoint and {@code --out} must
 * therefore be on a filesystem all executors share, and a fresh run needs a fresh {@code --out}.
 *
 * <p>The job secret that authenticates the ranks' connections is generated here, per run, and travels
 * to the tasks inside the task closure; it is never logged.
 */
public final class SparkTrainer {
  private static final Logger log = LoggerFactory.getLogger(SparkTrainer.class);
  /** How long {@link #run} waits for K task slots by default. */
  public static final Duration DEFAULT_SLOTS_TIMEOUT = Duration.ofMinutes(2);

  private final int processes;
  private final List<String> trainArgs;
  private final JobSpec spec;
  private Duration slotsTimeout = DEFAULT_SLOTS_TIMEOUT;
  private String listenHost;
  private RankTask.Fault fault;

  /**
   * @param processes K, the number of ranks (barrier tasks); {@code --workers} must be a multiple of it
   * @param trainArgs the flags of {@code bigbatch train}, validated here on the driver
   * @throws IllegalArgumentException naming the bad flag
   */
  public SparkTrainer(int processes, List<String> trainArgs) {
    if (processes < 1) {
      throw new IllegalArgumentException("--workers-processes must be >= 1, got " + processes);
    }
    this.processes = processes;
    this.trainArgs = List.copyOf(trainArgs);
    this.spec = TrainCommand.parse(this.trainArgs.toArray(String[]::new)).spec();
    if (spec.batch().virtualWorkers() % processes != 0) {
      throw new IllegalArgumentException("--workers " + spec.batch().virtualWorkers() + " is not a multiple of --workers-processes "
          + processes + "; each process runs --workers / --workers-processes virtual workers");
    }
  }

  /** How long to wait for K free task slots before failing (executors may still be starting). */
  public SparkTrainer slotsTimeout(Duration timeout) {
    this.slotsTimeout = timeout;
    return this;
  }

  /**
   * The address every rank listens on for its peers. Default: 127.0.0.1 in local mode, else the
   * executor's host as Spark knows it.
   */
  public SparkTrainer listenHost(String host) {
    this.listenHost = host;
    return this;
  }

  /** Test hook: {@code rank} throws after {@code step} in the stage's first attempt. */
  SparkTrainer failOnce(int rank, long step) {
    this.fault = new RankTask.Fault(rank, step);
    return this;
  }

  /** Trains to the end; returns one report per rank, in rank order. */
  public List<RankReport> run(JavaSparkContext sc) {
    if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new IllegalArgumentException("barrier mode needs a fixed set of executors: set"
          + " spark.dynamicAllocation.enabled=false");
    }
    warnIfOneFailureEndsTheJob(sc);
    awaitSlots(sc);
    List<String> args = new ArrayList<>(trainArgs);
    if (spec.threads() == 0) { // LibTorch would take every core of the executor for each rank
      args.addAll(List.of("--threads", Integer.toString(sc.getConf().getInt("spark.task.cpus", 1))));
    }
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String host = listenHost != null ? listenHost : sc.isLocal() ? "127.0.0.1" : null;

    sc.setJobDescription("bigbatch: " + processes + " ranks, " + spec.summary());
    RDD<Integer> ranks = sc.parallelize(IntStream.range(0, processes).boxed().toList(), processes).rdd();
    ClassTag<RankReport> tag = ClassTag$.MODULE$.apply(RankReport.class);
    RDD<RankReport> trained = ranks.barrier().mapPartitions(new RankTask(args, secret, host, fault), false, tag);
    // The shuffle makes the barrier stage a map stage, which Spark reruns as a whole when a rank fails.
    List<RankReport> reports = new ArrayList<>(JavaRDD.fromRDD(trained, tag).repartition(1).collect());
    reports.sort(Comparator.comparingInt(RankReport::rank));
    if (reports.size() != processes) {
      throw new IllegalStateException("expected " + processes + " rank reports, got " + reports.size());
    }
    return reports;
  }

  /** A rerun of the gang needs each task to be allowed more than one failure. */
  private static void warnIfOneFailureEndsTheJob(JavaSparkContext sc) {
    String master = sc.getConf().get("spark.master", "");
    boolean oneTry = master.matches("local(\\[[^,\\]]*\\])?")
        || (!sc.isLocal() && sc.getConf().getInt("spark.task.maxFailures", 4) <= 1);
    if (oneTry) {
      log.warn("{} lets each task fail only once, so a failed rank ends the job instead of rerunning the ranks"
          + " from the last checkpoint; use local[K,4] or spark.task.maxFailures=4", master);
    }
  }

  /** Barrier mode needs all K tasks running at once: wait until the cluster offers K slots. */
  private void awaitSlots(JavaSparkContext sc) {
    int cpusPerTask = sc.getConf().getInt("spark.task.cpus", 1);
    long deadline = System.nanoTime() + slotsTimeout.toNanos();
    while (true) {
      int slots = sc.defaultParallelism() / cpusPerTask;
      if (slots >= processes) {
        return;
      }
      if (System.nanoTime() >= deadline) {
        int executors = sc.sc().statusTracker().getExecutorInfos().length - (sc.isLocal() ? 0 : 1);
        throw new IllegalStateException("the barrier stage needs " + processes + " task slots (one per rank) but the"
            + " cluster offers " + slots + " (" + sc.defaultParallelism() + " cores / spark.task.cpus=" + cpusPerTask
            + ", " + executors + " executors) after waiting " + slotsTimeout.toSeconds() + " s: start more"
            + " executors (spark.executor.instances, spark.executor.cores) or lower --workers-processes");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for task slots", e);
      }
    }
  }
}
