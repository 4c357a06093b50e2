package dev.bigbatch.spark;

import dev.bigbatch.data.DataFormatException;
import dev.bigbatch.engine.Natives;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code bigbatch-spark}: {@code bigbatch train} as one Spark barrier stage of K tasks. Exit codes as
 * {@code bigbatch}: 0 ok, 1 failure, 2 bad input. See {@code spark/README.md} for spark-submit.
 */
@Command(name = "bigbatch-spark", mixinStandardHelpOptions = true, version = "bigbatch-spark 0.1.0", sortOptions = false,
    description = {"Runs `bigbatch train` as one Spark barrier stage: K tasks, one per process, which exchange"
        + " endpoints once and then train over bigbatch's own collectives.",
        "Takes every flag of `bigbatch train` (see `bigbatch train --help`) plus the options below. The master"
        + " comes from spark.master (spark-submit --master URL, or -Dspark.master=local[K,4]).",
        "A failed rank makes Spark rerun all K tasks, which resume from the run's checkpoint"
        + " (--checkpoint, default OUT/checkpoint.bin) whenever it exists: use a fresh --out for a fresh run."})
public final class SparkMain implements Callable<Integer> {
  @Option(names = "--workers-processes", required = true, paramLabel = "K",
      description = "Processes (barrier tasks, ranks); --workers must be a multiple of K.")
  int processes;

  @Option(names = "--slots-timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long to wait for K free task slots (default ${DEFAULT-VALUE}).")
  double slotsTimeoutSeconds;

  @Option(names = "--listen-host", paramLabel = "ADDR",
      description = "Address each rank listens on (default: 127.0.0.1 in local mode, else the executor's host).")
  String listenHost;

  @Unmatched
  List<String> trainArgs = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return run(new PrintWriter(System.err, true), args);
  }

  /** Like {@link #run(String...)} with error messages going to {@code err}. */
  public static int run(PrintWriter err, String... args) {
    Natives.ensureCached();
    CommandLine cli = new CommandLine(new SparkMain()).setErr(err);
    cli.setParameterExceptionHandler((e, ignored) -> {
      e.getCommandLine().getErr().println("bigbatch-spark: error: " + e.getMessage() + " (see --help)");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof IllegalArgumentException || e instanceof DataFormatException) {
        cmd.getErr().println("bigbatch-spark: error: " + e.getMessage());
        return 2;
      }
      if (e instanceof SparkException || e instanceof IllegalStateException) {
        cmd.getErr().println("bigbatch-spark: error: " + firstLine(e.getMessage()));
        return 1;
      }
      throw e;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    if (!(slotsTimeoutSeconds > 0)) {
      throw new IllegalArgumentException("--slots-timeout must be > 0 seconds, got " + slotsTimeoutSeconds);
    }
    SparkTrainer trainer = new SparkTrainer(processes, trainArgs) // validates the flags before Spark starts
        .slotsTimeout(Duration.ofMillis((long) (slotsTimeoutSeconds * 1000)));
    if (listenHost != null) {
      trainer.listenHost(listenHost);
    }
    SparkConf conf = new SparkConf(); // spark.* system properties, as spark-submit sets them
    if (!conf.contains("spark.master")) {
      throw new IllegalArgumentException("no Spark master: run through spark-submit --master URL, or pass"
          + " -Dspark.master=local[K,4] to the JVM");
    }
    conf.setIfMissing("spark.app.name", "bigbatch");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      List<RankReport> reports = trainer.run(sc);
      RankReport r = reports.get(0);
      System.out.printf(Locale.ROOT, "bigbatch-spark: %d ranks finished at step %d (stage attempt %d, started at"
          + " step %d); test accuracy %.2f%%%n", reports.size(), r.stepsDone(), r.stageAttempt(), r.startStep(),
          100 * r.testAccuracy());
    }
    return 0;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
