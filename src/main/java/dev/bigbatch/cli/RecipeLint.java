package dev.bigbatch.cli;

import dev.bigbatch.lint.LintContext;
import dev.bigbatch.lint.Linter;
import dev.bigbatch.lint.RunIdentity;
import dev.bigbatch.lint.Warning;
import dev.bigbatch.train.Checkpoints;
import dev.bigbatch.train.TrainConfig;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** The recipe linter as {@code train} runs it: on rank 0, before the first step, never fatal. */
final class RecipeLint {
  private RecipeLint() {}

  static List<Warning> atTrainStart(TrainConfig config, int trainExamples, Checkpoints.State resumed, PrintStream out) {
    try {
      Optional<RunIdentity> saved = resumed == null ? Optional.empty()
          : Optional.of(RunIdentity.fromCheckpointIdentity(resumed.identity(), "the resumed checkpoint"));
      List<Warning> warnings = Linter.defaults().check(
          new LintContext(config, OptionalInt.of(trainExamples), saved, Optional.empty()));
      Linter.print(warnings, "lint: ", out);
      return warnings;
    } catch (RuntimeException e) { // advice must never stop a run
      out.println("lint: skipped (" + e.getMessage() + ")");
      return List.of();
    }
  }
}
