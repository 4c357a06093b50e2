package dev.bigbatch.cli;

import dev.bigbatch.lint.LintContext;
import dev.bigbatch.lint.Linter;
import dev.bigbatch.lint.RunIdentity;
import dev.bigbatch.lint.Warning;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.decentralized.RankCheckpoints;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bigbatch lint [train flags…]}: the config {@code train} would run, checked by the recipe linter,
 * without loading data or building a model. Exit 0 whether or not there are warnings (they are advice);
 * 2 for flags {@code train} would reject.
 */
@Command(name = "lint", sortOptions = false,
    description = "Check a training recipe for large-batch mistakes; takes the same flags as train. Exits 1 when it "
        + "warns (--exit-zero: 0).")
public final class LintCommand implements Callable<Integer> {
  @Mixin
  TrainCommand train = new TrainCommand();

  @Option(names = "--reference", paramLabel = "RUN", description = "A checkpoint file or a run directory "
      + "(with config.json) to compare the batch geometry with.")
  Path reference;

  @Option(names = "--train-examples", description = "Training set size D (default: the dataset's, or --train-limit).")
  Integer trainExamples;

  @Option(names = "--exit-zero", description = "Exit 0 even when there are warnings (default: 1 when it warns, as "
      + "linters do, so a script or CI step can stop on them).")
  boolean exitZero;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    JobSpec config = train.spec();
    OptionalInt d = trainExamples != null ? OptionalInt.of(trainExamples) : LintContext.nominalTrainExamples(config);
    Optional<RunIdentity> resumed = train.resumePath() == null ? Optional.empty()
        : Optional.of(fromCheckpoint(train.resumePath()));
    Optional<RunIdentity> ref = reference == null ? Optional.empty() : Optional.of(read(reference));
    List<Warning> warnings = Linter.defaults().check(new LintContext(config, d, resumed, ref));
    PrintWriter out = spec.commandLine().getOut();
    out.println("bigbatch lint: " + config.summary());
    out.println("bigbatch lint: " + (d.isPresent() ? "D=" + d.getAsInt() + " examples, "
        + Math.max(1, d.getAsInt() / config.batch().global())
        + " steps/epoch" : "dataset size unknown (pass --train-examples); step-count rules skipped") + ", "
        + Linter.defaults().rules().size() + " rules");
    for (Warning w : warnings) {
      out.println(w.format());
    }
    out.println("bigbatch lint: " + (warnings.isEmpty() ? "no warnings" : warnings.size() + " warning" + (warnings.size() == 1 ? "" : "s")));
    out.flush();
    return warnings.isEmpty() || exitZero ? 0 : 1;
  }

  /** {@code file}, or, where only a decentralized run's per-rank files exist, its rank 0 file (k and n are the same in all). */
  private static RunIdentity fromCheckpoint(Path file) {
    Path rankZero = RankCheckpoints.fileOf(file, 0);
    Path read = !Files.exists(file) && Files.exists(rankZero) ? rankZero : file;
    return RunIdentity.fromCheckpointIdentity(Checkpoints.load(read).identity(), read.toString());
  }

  /** A checkpoint file, or a run directory: its config.json (written at start), else its checkpoint.bin. */
  static RunIdentity read(Path run) {
    if (!Files.isDirectory(run)) {
      return fromCheckpoint(run);
    }
    Path config = run.resolve("config.json");
    if (Files.isRegularFile(config)) {
      try {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
        return new RunIdentity(node.path("workers").asInt(), node.path("perWorkerBatch").asInt(), config.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + config, e);
      }
    }
    return fromCheckpoint(run.resolve("checkpoint.bin"));
  }
}
