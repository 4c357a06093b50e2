package dev.bigbatch.cli;

import dev.bigbatch.io.AtomicFiles;
import dev.bigbatch.report.Budget;
import dev.bigbatch.report.Criteria;
import dev.bigbatch.report.Csv;
import dev.bigbatch.report.Experiments;
import dev.bigbatch.report.ResultTable;
import dev.bigbatch.report.RunData;
import dev.bigbatch.report.RunSpec;
import dev.bigbatch.spec.LrSpec;
import dev.bigbatch.spec.OptimizerSpec;
import dev.bigbatch.spec.Specs;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bigbatch reproduce EXPERIMENT}: runs an experiment's train configs one after another in this
 * process into {@code RUN_DIR/<experiment>/<row>-s<seed>/}, then prints and writes its table. Runs
 * that already completed are not repeated, and a run killed part-way resumes from its last epoch's checkpoint, so an
 * interrupted experiment continues where it stopped.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Re-run a published large-batch experiment at small scale: goyal-table1, goyal-table2a, goyal-figure1, legw, lars.")
public final class ReproduceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "goyal-table1, goyal-table2a, goyal-figure1, legw, lars")
  String experiment;

  @Option(names = "--out", paramLabel = "RUN_DIR", defaultValue = "runs/reproduce", description = "Parent directory of the experiment's runs (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--budget", defaultValue = "quick", description = "quick (a few minutes on 2 cores; MLP, 5 epochs, 1 seed) or full (issue 16's regime: "
      + "ResNet-8 from kn0 = 32 with η0 = 0.0125, 18 epochs, 2 seeds a row, 3 where rows are close; see "
      + "docs/RESULTS-reproduce.md) (default ${DEFAULT-VALUE}).")
  String budget;

  @Option(names = "--seeds", description = "Seeds for every row (overrides the budget's per-row seeds).")
  Integer seeds;

  @Option(names = "--epochs", description = "Epochs per run (overrides the budget; warmup stays 1/5 of them at most).")
  Double epochs;

  @Option(names = "--model", description = "Model for the Goyal experiments (overrides the budget), e.g. resnet8.")
  String model;

  @Option(names = "--width", description = "Model width (with --model).")
  Integer width;

  @Option(names = "--train-limit", description = "Use only the first N training examples (overrides the budget).")
  Integer trainLimit;

  @Option(names = "--data", paramLabel = "DIR", description = "Dataset directory passed to every run.")
  Path data;

  @Option(names = "--threads", defaultValue = "0", description = "LibTorch threads per run (default: all cores).")
  int threads;

  @Option(names = "--jobs", defaultValue = "1", description = "Runs trained at once, each in its own JVM with its "
      + "output in RUN_DIR/<run>/train.log (default 1: one after another in this process). Without --threads each "
      + "run gets cores/N LibTorch threads.")
  int jobs;

  @Option(names = "--dry-run", description = "Print the train commands and write nothing.")
  boolean dryRun;

  @Option(names = "--collect", description = "Train nothing: write the table from the runs that finished under --out "
      + "(for runs started by hand from --dry-run's commands, in parallel or over several sessions); runs not "
      + "started or still running are left out of the table.")
  boolean collect;

  @Override
  public Integer call() {
    if (dryRun && collect) {
      throw new IllegalArgumentException("--dry-run and --collect: give one (--dry-run prints the commands, "
          + "--collect tables their finished runs)");
    }
    if (jobs < 1) {
      throw new IllegalArgumentException("--jobs must be >= 1, got " + jobs);
    }
    Budget b = budget();
    Experiments.Plan plan = Experiments.plan(experiment, b);
    PrintWriter o = spec.commandLine().getOut();
    String missing = missingTrainFeature(plan);
    if (missing != null) {
      o.println("reproduce " + plan.name() + ": skipped — this build's train command lacks " + missing);
      o.flush();
      return 0;
    }
    Path dir = out.resolve(plan.name());
    o.printf(java.util.Locale.ROOT, "reproduce %s (budget %s): %d runs, %.0f run-epochs, into %s%n", plan.name(), b.name(),
        plan.runs().size(), plan.runEpochs(), dir);
    o.flush();
    long start = System.nanoTime();
    if (!dryRun) {
      writeRunIndex(plan, dir);
    }
    int threadsPerJob = threads > 0 ? 0 : Math.max(1, Runtime.getRuntime().availableProcessors() / jobs);
    try (TrainJobs pool = jobs > 1 && !dryRun && !collect ? new TrainJobs(jobs, threadsPerJob, o) : null) {
      for (RunSpec s : plan.runs()) {
        trainOne(s, dir, pool, o);
      }
      if (pool != null && pool.awaitAll() > 0) {
        o.println("some runs failed: see their train.log; the table tables them as failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the runs", e);
    }
    if (dryRun) {
      if (plan.name().equals("goyal-figure1")) {
        o.println("then the gradient noise scale:");
        o.println("$ bigbatch " + String.join(" ", noiseScaleArgs(plan, b, dir.resolve("noise-scale"))));
        o.flush();
      }
      return 0;
    }
    if (plan.name().equals("goyal-figure1") && !collect) {
      measureNoiseScale(plan, dir, b, o);
    }
    reportOtherRuns(plan, dir, o);
    ResultTable table = ResultTable.collect(plan, dir, b.lastEpochs());
    List<Criteria.Check> checks = Criteria.evaluate(plan, table, figure1Table(plan, table, b));
    table.write(dir, checks);
    o.println();
    o.print(table.markdown());
    o.println();
    o.print(checks.isEmpty() ? "No criterion was stated for this experiment before its runs.\n" : Criteria.markdown(checks));
    if (collect) { // the runs' own wall times are in their metrics; this command only read them
      o.printf("%ntable in %s%n", dir.resolve("table.md"));
    } else {
      o.printf("%nwall time %s; table in %s%n", Duration.ofNanos(System.nanoTime() - start).withNanos(0),
          dir.resolve("table.md"));
    }
    o.flush();
    return 0;
  }

  /**
   * Prints run {@code s}'s train command and, unless --dry-run or --collect, trains it: here, or queued on
   * {@code pool} when there is one; a completed run is reused, a killed one resumed from its checkpoint.
   */
  private void trainOne(RunSpec s, Path dir, TrainJobs pool, PrintWriter o) {
    Path runDir = dir.resolve(s.id());
    RunData run = RunData.isRunDir(runDir) ? RunData.load(runDir) : null;
    List<String> args = trainArgs(s, runDir);
    Path killedAt = run != null && !run.finished() && !collect ? checkpointOf(runDir) : null;
    if (killedAt != null) {
      args.addAll(args.size() - 2, List.of("--resume", killedAt.toString()));
    }
    o.println("$ bigbatch " + String.join(" ", args));
    if (killedAt != null) {
      o.println("  (stopped earlier without a result: resuming from its last checkpoint)");
    }
    o.flush();
    if (dryRun) {
      return;
    }
    if (run != null && run.completed()) {
      o.println("  (completed earlier; reused)");
      return;
    }
    if (collect) {
      o.println(run == null ? "  (not started; left out)"
          : run.finished() ? "  (" + run.status() + "; tabled)"
          : "  (no result yet: running or killed, " + run.epochs().size() + " epoch(s) done; left out)");
      return;
    }
    if (pool != null) {
      pool.submit(s.id(), args, runDir.resolve("train.log"));
      return;
    }
    long t0 = System.nanoTime();
    int code = Main.run(args.toArray(String[]::new));
    o.printf("  exit %d after %s%n", code, Duration.ofNanos(System.nanoTime() - t0).withNanos(0));
    o.flush();
  }

  /** The budget with this command's overrides. */
  Budget budget() {
    Budget b = Budget.parse(budget);
    if (model != null) {
      b = b.withModel(model, width != null ? width : b.width());
    }
    if (epochs != null) {
      b = b.withEpochs(epochs, Math.min(b.warmupEpochs(), epochs / 5));
    }
    if (seeds != null) {
      b = b.withSeeds(seeds);
    }
    if (trainLimit != null) {
      b = b.withTrainLimit(trainLimit);
    }
    return b;
  }

  List<String> trainArgs(RunSpec s, Path runDir) {
    List<String> args = new ArrayList<>();
    args.add("train");
    args.addAll(s.trainArgs());
    if (threads > 0) {
      args.addAll(List.of("--threads", Integer.toString(threads)));
    }
    if (data != null) {
      args.addAll(List.of("--data", data.toString()));
    }
    args.addAll(List.of("--out", runDir.toString()));
    return args;
  }

  /**
   * The checkpoint a run that stopped without a result (killed: a session's end, a machine's reboot) left in its
   * directory, or null. {@code train} checkpoints there at every epoch end, and a resume cuts what the killed run
   * logged after the checkpoint from its metrics, so the resumed run's files read as an uninterrupted run's.
   */
  static Path checkpointOf(Path runDir) {
    Path ckpt = runDir.resolve("checkpoint.bin");
    return Files.isRegularFile(ckpt) ? ckpt : null;
  }

  /**
   * goyal-figure1's table of the same budget under --out (Table 1 and 2a are judged at its kn*), or null when none
   * of its runs is there.
   */
  private ResultTable figure1Table(Experiments.Plan plan, ResultTable table, Budget b) {
    if (plan.name().equals("goyal-figure1")) {
      return table;
    }
    Experiments.Plan figure1 = Experiments.plan("goyal-figure1", b);
    Path figDir = out.resolve(figure1.name());
    return Files.isDirectory(figDir) ? ResultTable.collect(figure1, figDir, b.lastEpochs()) : null;
  }

  /**
   * Says which run directories under {@code dir} belong to no run of {@code plan}: runs of another budget or of an
   * earlier regime (the full budget's rows changed with issue 16), left out of the table.
   */
  static void reportOtherRuns(Experiments.Plan plan, Path dir, PrintWriter o) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    java.util.Set<String> ids = new java.util.HashSet<>();
    plan.runs().forEach(r -> ids.add(r.id()));
    List<String> others;
    try (java.util.stream.Stream<Path> l = Files.list(dir)) {
      // goyal-figure1's noise-scale measurement (and one set aside from another regime) is not a table row
      others = l.filter(RunData::isRunDir).map(p -> p.getFileName().toString()).filter(n -> !ids.contains(n))
          .filter(n -> !n.startsWith("noise-scale")).sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (!others.isEmpty()) {
      o.printf("%d run director%s in %s belong to no run of this plan (another budget, or the regime before "
          + "issue 16): left out of the table: %s%n", others.size(), others.size() == 1 ? "y" : "ies", dir,
          String.join(", ", others));
    }
  }

  /**
   * The gradient noise scale B_simple beside goyal-figure1's runs ({@link #noiseScaleArgs}); a measurement already
   * there is reused when it is of the same big batch and length, and moved aside (another regime's) when not.
   */
  private void measureNoiseScale(Experiments.Plan plan, Path dir, Budget b, PrintWriter o) {
    Path nsDir = dir.resolve("noise-scale");
    List<String> args = noiseScaleArgs(plan, b, nsDir);
    Path json = nsDir.resolve("noise-scale.json");
    if (Files.isRegularFile(json)) {
      int bigBatch = Integer.parseInt(args.get(args.indexOf("--workers") + 1))
          * Integer.parseInt(args.get(args.indexOf("--batch-per-worker") + 1));
      double epochs = Double.parseDouble(args.get(args.indexOf("--epochs") + 1));
      try {
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        if (n.path("bigBatch").asInt() == bigBatch && n.path("epochs").size() >= Math.floor(epochs)) {
          o.println("noise scale: measured earlier (" + json + ")");
          return;
        }
        Path aside = dir.resolve("noise-scale.other-regime");
        for (int i = 2; Files.exists(aside); i++) {
          aside = dir.resolve("noise-scale.other-regime-" + i);
        }
        Files.move(nsDir, aside);
        o.printf("noise scale: %s measured another recipe (B_big = %d, %d epoch(s)); moved to %s, measuring again%n",
            json, n.path("bigBatch").asInt(), n.path("epochs").size(), aside);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot read or move " + nsDir + ": " + e.getMessage(), e);
      }
    }
    o.println("$ bigbatch " + String.join(" ", args));
    o.flush();
    Main.run(args.toArray(String[]::new));
  }

  /**
   * The noise-scale command of goyal-figure1. Quick: one epoch at kn = 256 (k = 8 × 32). Full (issue 16): along the
   * whole of Figure 1's run at kn = 16·kn0 = 512, seed 1, with its recipe (η0 at B0, warmup, step decay, λ,
   * augmentation), whose flags are copied from that run's train command; B_big = 512 resolves B_simple to several
   * thousand, where kn = 256 could not late in a run.
   */
  List<String> noiseScaleArgs(Experiments.Plan plan, Budget b, Path nsDir) {
    List<String> args = new ArrayList<>(List.of("noise-scale"));
    if (b.quick()) {
      args.addAll(List.of("--model", b.model(), "--width", Integer.toString(b.width()), "--batch-per-worker", "32",
          "--workers", "8", "--epochs", "1"));
    } else {
      int first = plan.runs().get(0).globalBatch();
      RunSpec r = plan.runs().stream().filter(s -> s.globalBatch() == 16 * first).findFirst().orElse(plan.runs().get(0));
      List<String> t = r.trainArgs();
      for (String flag : List.of("--model", "--width", "--batch-per-worker", "--workers", "--lr", "--base-batch",
          "--warmup-epochs", "--decay", "--decay-epochs", "--weight-decay", "--epochs", "--seed", "--train-limit")) {
        int i = t.indexOf(flag);
        if (i >= 0) {
          args.addAll(List.of(flag, t.get(i + 1)));
        }
      }
      if (!t.contains("--no-augment")) {
        args.add("--augment");
      }
    }
    if (threads > 0) {
      args.addAll(List.of("--threads", Integer.toString(threads)));
    }
    if (data != null) {
      args.addAll(List.of("--data", data.toString()));
    }
    args.addAll(List.of("--out", nsDir.toString()));
    return args;
  }

  /** runs.csv: which directory holds which row and seed (the report labels its curves from it). */
  static void writeRunIndex(Experiments.Plan plan, Path dir) {
    StringBuilder s = new StringBuilder(Csv.line(List.of("row", "seed", "dir", "kn", "peak_lr")));
    for (RunSpec r : plan.runs()) {
      s.append(Csv.line(List.of(r.row(), Long.toString(r.seed()), r.id(), Integer.toString(r.globalBatch()),
          Double.toString(r.peakLr()))));
    }
    AtomicFiles.writeString(dir.resolve("runs.csv"), s.toString());
  }

  /** Names a flag or value of {@code train} the plan needs and this build lacks, or null. */
  static String missingTrainFeature(Experiments.Plan plan) {
    CommandSpec train = new CommandLine(new TrainCommand()).getCommandSpec();
    for (RunSpec s : plan.runs()) {
      for (String a : s.trainArgs()) {
        if (a.startsWith("--") && train.findOption(a) == null) {
          return "the flag " + a;
        }
      }
      if (s.model().equals("lstm") || s.warmup().equals("legw") || !s.optimizer().equals("sgd")) {
        try {
          Specs.parseEnum(LrSpec.Warmup.class, s.warmup());
          Specs.parseEnum(OptimizerSpec.Kind.class, s.optimizer());
        } catch (IllegalArgumentException e) {
          return "--warmup " + s.warmup() + " / --optimizer " + s.optimizer();
        }
      }
    }
    return null;
  }
}
