package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.report.Budget;
import dev.bigbatch.report.Csv;
import dev.bigbatch.report.Experiments;
import dev.bigbatch.report.RunSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * reproduce --dry-run prints train commands that the train command accepts and writes nothing; --collect
 * tables the finished runs and trains nothing.
 */
class ReproduceCommandTest {
  @Test
  void dryRunPrintsTrainCommandsTheTrainParserAccepts(@TempDir Path dir) {
    for (String name : Experiments.NAMES) {
      StringWriter text = new StringWriter();
      CommandLine cli = new CommandLine(new Main());
      cli.setOut(new PrintWriter(text));
      int code = cli.execute("reproduce", name, "--budget", "quick", "--dry-run", "--out", dir.toString());
      assertEquals(0, code, text.toString());
      List<String> commands = text.toString().lines().filter(l -> l.startsWith("$ bigbatch train ")).toList();
      assertEquals(Experiments.plan(name, Budget.QUICK).runs().size(), commands.size(), text.toString());
      for (String c : commands) {
        String[] args = c.substring("$ bigbatch train ".length()).split(" ");
        TrainCommand.parse(args); // throws on an unknown flag or bad value
        assertTrue(Arrays.asList(args).contains("--out"));
      }
      assertNull(ReproduceCommand.missingTrainFeature(Experiments.plan(name, Budget.QUICK)), name);
    }
    assertTrue(!Files.exists(dir.resolve("goyal-table1")), "dry run writes nothing");
  }

  /**
   * The peak η each experiment's table lists ({@link RunSpec#peakLr}, the scaling rule's kη) is the highest rate
   * its train command runs, and the first step runs at min(η0, kη): warmups start at the base rate and reach
   * the peak; at kn ≤ B0 they hold it. Fashion-MNIST: D = 60000 or --train-limit, S = ⌊D/kn⌋.
   */
  @Test
  void everyRowRunsThePeakItsTableLists() {
    for (Budget budget : List.of(Budget.QUICK, Budget.FULL)) {
      for (String name : Experiments.NAMES) {
        for (RunSpec r : Experiments.plan(name, budget).runs()) {
          dev.bigbatch.spec.JobSpec c = TrainCommand.parse(r.trainArgs().toArray(String[]::new)).spec();
          int spe = Math.max(1, (r.trainLimit() > 0 ? r.trainLimit() : 60_000) / r.globalBatch());
          long total = dev.bigbatch.train.Recipe.totalSteps(c, spe);
          dev.bigbatch.schedule.LrSchedule lr = dev.bigbatch.train.Recipe.schedule(c, spe);
          double max = 0;
          for (long t = 0; t < total; t++) {
            max = Math.max(max, lr.lrAt(t));
          }
          String what = name + " " + budget.name() + " " + r.id();
          assertEquals(r.peakLr(), max, 1e-12 * r.peakLr(), what);
          double first = r.warmup().equals("none") ? r.peakLr() : Math.min(r.baseLr(), r.peakLr());
          assertEquals(first, lr.lrAt(0), 1e-12 * r.peakLr(), what);
        }
      }
    }
  }

  /**
   * Issue 16's B_simple is measured along Figure 1's run at 16·kn0 = 512 with that run's recipe: the noise-scale
   * command the full dry run prints has the same learning rate at every step, the same λ, augmentation and length.
   */
  @Test
  void fullNoiseScaleRunsFigure1sRecipeAt512(@TempDir Path dir) {
    StringWriter text = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(text));
    assertEquals(0, cli.execute("reproduce", "goyal-figure1", "--budget", "full", "--dry-run", "--out", dir.toString()));
    String line = text.toString().lines().filter(l -> l.startsWith("$ bigbatch noise-scale ")).findFirst().orElseThrow();
    NoiseScaleCommand ns = new NoiseScaleCommand();
    Main.withSpecConverters(new CommandLine(ns)).parseArgs(line.substring("$ bigbatch noise-scale ".length()).split(" "));
    dev.bigbatch.spec.JobSpec got = ns.config();
    RunSpec r = Experiments.plan("goyal-figure1", Budget.FULL).runs().stream()
        .filter(s -> s.globalBatch() == 512 && s.seed() == 1).findFirst().orElseThrow();
    dev.bigbatch.spec.JobSpec want = TrainCommand.parse(r.trainArgs().toArray(String[]::new)).spec();
    assertEquals(512, got.batch().global());
    assertEquals(want.optimizer().weightDecay(), got.optimizer().weightDecay());
    assertEquals(want.data().augment(), got.data().augment());
    assertTrue(got.data().augment());
    int spe = 60_000 / 512;
    long total = dev.bigbatch.train.Recipe.totalSteps(want, spe);
    assertEquals(total, dev.bigbatch.train.Recipe.totalSteps(got, spe));
    dev.bigbatch.schedule.LrSchedule a = dev.bigbatch.train.Recipe.schedule(want, spe);
    dev.bigbatch.schedule.LrSchedule b = dev.bigbatch.train.Recipe.schedule(got, spe);
    for (long t = 0; t < total; t++) {
      assertEquals(a.lrAt(t), b.lrAt(t), 0, "step " + t);
    }
  }

  @Test
  void overridesChangeTheBudget() {
    ReproduceCommand r = new ReproduceCommand();
    new CommandLine(r).parseArgs("goyal-table1", "--budget", "full", "--seeds", "1", "--epochs", "5", "--model", "mlp");
    Budget b = r.budget();
    assertEquals(1, b.seeds());
    assertEquals(5, b.epochs());
    assertEquals(1, b.warmupEpochs());
    assertEquals("mlp", b.model());
  }

  /** A run directory as train leaves it: one epoch line with {@code testError}; result.json unless still running. */
  private static void run(Path dir, double testError, String status) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("metrics.jsonl"), String.format(Locale.ROOT,
        "{\"kind\":\"epoch\",\"epoch\":0,\"trainLoss\":1,\"trainAccuracy\":0.5,\"testLoss\":1,\"testAccuracy\":%s}%n",
        1 - testError));
    if (status != null) {
      Files.writeString(dir.resolve("result.json"), "{\"status\":\"" + status + "\"}");
    }
  }

  @Test
  void collectTablesFinishedRunsOnlyAndTrainsNothing(@TempDir Path out) throws IOException {
    List<RunSpec> runs = Experiments.plan("goyal-table1", Budget.QUICK.withSeeds(2)).runs();
    Path exp = out.resolve("goyal-table1");
    // row 1: seed 1 finished at 12 % error, seed 2 still running (no result.json); row 2: seed 1 diverged.
    run(exp.resolve(runs.get(0).id()), 0.12, "completed");
    run(exp.resolve(runs.get(1).id()), 0.50, null);
    run(exp.resolve(runs.get(2).id()), 0.90, "failed");
    Set<String> before;
    try (Stream<Path> l = Files.list(exp)) {
      before = l.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    StringWriter text = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(text));
    int code = cli.execute("reproduce", "goyal-table1", "--budget", "quick", "--seeds", "2", "--collect", "--out",
        out.toString());
    assertEquals(0, code, text.toString());
    try (Stream<Path> l = Files.list(exp)) {
      Set<String> after = l.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      after.removeAll(before);
      assertEquals(Set.of("table.md", "table.csv", "criteria.csv", "runs.csv"), after, "nothing trained: no new run directory");
    }
    List<List<String>> csv = Csv.parse(Files.readString(exp.resolve("table.csv")));
    assertEquals("1", csv.get(1).get(8), "the running seed is left out");
    assertEquals(12.0, Double.parseDouble(csv.get(1).get(9)), 1e-9);
    assertEquals("1", csv.get(2).get(8));
    assertEquals("NaN", csv.get(2).get(9), "a diverged seed is tabled as diverged");
    assertEquals("0", csv.get(3).get(8));
    assertTrue(text.toString().contains("(no result yet: running or killed, 1 epoch(s) done; left out)"), text.toString());
    // one seed a row: every criterion is printed, and none can be judged
    assertTrue(text.toString().contains("### Pre-stated criteria (issue 16)"), text.toString());
    List<List<String>> criteria = Csv.parse(Files.readString(exp.resolve("criteria.csv")));
    assertEquals(3, criteria.size());
    assertTrue(criteria.subList(1, 3).stream().allMatch(r -> r.get(0).equals("INSUFFICIENT")), criteria.toString());
  }

  /**
   * --collect of goyal-table1 reads goyal-figure1's runs beside it for kn*: Figure 1 inside the band up to 512 and
   * outside at 1k (kn* = 512), Table 1 at 512 within 0.5 pt of the base with none and constant above gradual: both
   * Table 1 criteria PASS, judged at kn = 512 (1024 is printed for information: gradual there is 12 pt above).
   */
  @Test
  void collectJudgesTable1AtFigure1sKnStar(@TempDir Path out) throws IOException {
    for (RunSpec r : Experiments.plan("goyal-figure1", Budget.FULL).runs()) {
      run(out.resolve("goyal-figure1").resolve(r.id()), (r.globalBatch() <= 512 ? 8.0 + 0.1 * r.seed() : 20) / 100,
          "completed");
    }
    for (RunSpec r : Experiments.plan("goyal-table1", Budget.FULL).runs()) {
      double pt = r.globalBatch() == 32 ? 8.0 : r.globalBatch() == 1024 ? 20
          : switch (r.warmup()) { case "gradual" -> 8.2; case "none" -> 9.0; default -> 9.5; };
      run(out.resolve("goyal-table1").resolve(r.id()), (pt + 0.1 * r.seed()) / 100, "completed");
    }
    StringWriter text = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(text));
    assertEquals(0, cli.execute("reproduce", "goyal-table1", "--budget", "full", "--collect", "--out", out.toString()),
        text.toString());
    List<List<String>> criteria = Csv.parse(Files.readString(out.resolve("goyal-table1").resolve("criteria.csv")));
    assertEquals(List.of("PASS", "PASS"), criteria.subList(1, 3).stream().map(r -> r.get(0)).toList(), criteria.toString());
    assertTrue(criteria.get(1).get(2).startsWith("kn* = 512, judged at kn=512"), criteria.get(1).get(2));
    assertTrue(Files.readString(out.resolve("goyal-table1").resolve("table.md")).contains("| PASS | Table 1 at kn*"));
  }

  /**
   * An output directory of the full budget before issue 16 (rows at kn = 256 and 8k) collects without error: its
   * runs are named as belonging to no run of the plan, every row is "not run" and every criterion INSUFFICIENT.
   */
  @Test
  void collectOverTheOldRegimesRunsSaysTheyAreLeftOut(@TempDir Path out) throws IOException {
    Path exp = out.resolve("goyal-table1");
    for (String old : List.of("kn-256-0.1-no-warmup-s1", "kn-8k-3.2-gradual-warmup-s1", "kn-8k-3.2-gradual-warmup-s2")) {
      run(exp.resolve(old), 0.1, "completed");
    }
    run(exp.resolve("noise-scale"), 0.1, "completed"); // a measurement next to the runs, not a stray run: not listed
    Files.writeString(exp.resolve("runs.csv"), "row,seed,dir,kn,peak_lr\n");
    StringWriter text = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(text));
    assertEquals(0, cli.execute("reproduce", "goyal-table1", "--budget", "full", "--collect", "--out", out.toString()),
        text.toString());
    assertTrue(text.toString().contains("3 run directories in " + exp + " belong to no run of this plan"), text.toString());
    assertTrue(text.toString().contains("kn-8k-3.2-gradual-warmup-s2"), text.toString());
    assertFalse(text.toString().contains("noise-scale"), text.toString());
    List<List<String>> table = Csv.parse(Files.readString(exp.resolve("table.csv")));
    assertTrue(table.subList(1, table.size()).stream().allMatch(r -> r.get(8).equals("0")), table.toString());
    List<List<String>> criteria = Csv.parse(Files.readString(exp.resolve("criteria.csv")));
    assertTrue(criteria.subList(1, criteria.size()).stream().allMatch(r -> r.get(0).equals("INSUFFICIENT")));
  }

  @Test
  void collectAndDryRunTogetherAreRefused(@TempDir Path out) {
    TrainCommandTest.Outcome o = TrainCommandTest.run("reproduce", "goyal-table1", "--dry-run", "--collect", "--out",
        out.toString());
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains("--dry-run and --collect"), o.err());
    assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
    assertTrue(!Files.exists(out.resolve("goyal-table1")), "nothing written");
  }

  /**
   * A run killed part-way (metrics, a checkpoint, no result.json) is resumed from its checkpoint; a completed or
   * failed run and one killed before its first checkpoint are not (reused, rerun, rerun from the start).
   */
  @Test
  void aKilledRunWithACheckpointIsResumed(@TempDir Path out) throws IOException {
    List<RunSpec> runs = Experiments.plan("goyal-table1", Budget.QUICK.withSeeds(2)).runs();
    Path exp = out.resolve("goyal-table1");
    Path killed = exp.resolve(runs.get(0).id());
    run(killed, 0.5, null);
    Files.writeString(killed.resolve("checkpoint.bin"), "epoch-end state");
    run(exp.resolve(runs.get(1).id()), 0.5, null); // killed before its first epoch ended: no checkpoint
    Path failed = exp.resolve(runs.get(2).id());
    run(failed, 0.9, "failed");
    Files.writeString(failed.resolve("checkpoint.bin"), "last state");
    StringWriter text = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(text));
    int code = cli.execute("reproduce", "goyal-table1", "--budget", "quick", "--seeds", "2", "--dry-run", "--out",
        out.toString());
    assertEquals(0, code, text.toString());
    List<String> commands = text.toString().lines().filter(l -> l.startsWith("$ bigbatch train ")).toList();
    assertEquals(runs.size(), commands.size());
    for (int i = 0; i < commands.size(); i++) {
      List<String> args = Arrays.asList(commands.get(i).substring("$ bigbatch train ".length()).split(" "));
      TrainCommand.parse(args.toArray(String[]::new));
      int resume = args.indexOf("--resume");
      if (i == 0) {
        assertEquals(killed.resolve("checkpoint.bin").toString(), args.get(resume + 1), commands.get(i));
        assertEquals(killed.toString(), args.get(args.indexOf("--out") + 1));
      } else {
        assertEquals(-1, resume, commands.get(i));
      }
    }
    assertEquals(1, text.toString().split("resuming from its last checkpoint", -1).length - 1, text.toString());
  }

  /**
   * --jobs 2 trains the runs in child JVMs two at a time; with the same threads they must give exactly the numbers
   * that training them one after another in this process gives (Fashion-MNIST, 8192 examples, 1 epoch).
   */
  @Test
  void jobsInChildJvmsGiveTheSameRunsAsInProcess(@TempDir Path out) throws IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(LaunchProcessTest.FMNIST), "Fashion-MNIST not installed");
    String[] common = {"reproduce", "goyal-table1", "--budget", "quick", "--seeds", "1", "--epochs", "1",
        "--train-limit", "8192", "--threads", "1"};
    Map<String, String> tables = new java.util.HashMap<>();
    for (String jobs : List.of("1", "2")) {
      Path root = out.resolve("jobs" + jobs);
      StringWriter text = new StringWriter();
      CommandLine cli = new CommandLine(new Main());
      cli.setOut(new PrintWriter(text));
      List<String> args = new ArrayList<>(List.of(common));
      args.addAll(List.of("--jobs", jobs, "--out", root.toString()));
      assertEquals(0, cli.execute(args.toArray(String[]::new)), text.toString());
      tables.put(jobs, Files.readString(root.resolve("goyal-table1").resolve("table.csv")));
      if (jobs.equals("2")) {
        for (RunSpec r : Experiments.plan("goyal-table1", Budget.QUICK.withSeeds(1)).runs()) {
          Path log = root.resolve("goyal-table1").resolve(r.id()).resolve("train.log");
          assertTrue(Files.readString(log).contains("epoch"), "the child's output is in " + log);
          assertEquals(epochLines(out.resolve("jobs1/goyal-table1").resolve(r.id())),
              epochLines(root.resolve("goyal-table1").resolve(r.id())), r.id());
        }
      }
    }
    assertEquals(tables.get("1"), tables.get("2"));
  }

  /**
   * The epoch lines of a run's metrics without their timings; a run refused at start (e.g. a warmup rounding to no
   * iteration at this size) writes no metrics: then a marker, so both ways of running must refuse it alike.
   */
  private static List<String> epochLines(Path run) throws IOException {
    if (!Files.exists(run.resolve("metrics.jsonl"))) {
      return List.of("refused at start: no metrics.jsonl");
    }
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"kind\":\"epoch\""))
        .map(l -> l.replaceAll(",\"(examplesPerSecond|dataWaitSeconds|seconds)\":[^,}]*", "")).toList();
  }

  @Test
  void jobsBelowOneAreRefused(@TempDir Path out) {
    TrainCommandTest.Outcome o = TrainCommandTest.run("reproduce", "goyal-table1", "--jobs", "0", "--out", out.toString());
    assertEquals(2, o.code());
    assertTrue(o.err().contains("--jobs must be >= 1, got 0"), o.err());
  }
}
