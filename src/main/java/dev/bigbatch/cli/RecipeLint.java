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
import java.util.Set;

/** The recipe linter as {@code train} runs it: on rank 0, before the first step, never fatal. */
final class RecipeLint {
  private RecipeLint() {}

  /** Rules about warmup rounded to whole steps; under {@code --batch auto} warmup is on the epoch axis, not rounded. */
  static final Set<String> STEP_AXIS_RULES = Set.of("warmup-not-whole-steps", "warmup-under-one-step");

  static List<Warning> atTrainStart(TrainConfig config, int trainExamples, Checkpoints.State resumed, PrintStream out) {
    return atTrainStart(config, trainExamples, resumed, false, out);
  }

  /** @param batchAuto the run uses {@code --batch auto}: step-axis warmup rules do not apply */
  static List<Warning> atTrainStart(TrainConfig config, int trainExamples, Checkpoints.State resumed, boolean batchAuto,
      PrintStream out) {
    try {
      Optional<RunIdentity> saved = resumed == null ? Optional.empty()
          : Optional.of(RunIdentity.fromCheckpointIdentity(resumed.identity(), "the resumed checkpoint"));
      List<Warning> warnings = Linter.defaults().check(
          new LintContext(config, OptionalInt.of(trainExamples), saved, Optional.empty())).stream()
          .filter(w -> !(batchAuto && STEP_AXIS_RULES.contains(w.ruleId()))).toList();
      Linter.print(warnings, "lint: ", out);
      return warnings;
    } catch (RuntimeException e) { // advice must never stop a run
      out.println("lint: skipped (" + e.getMessage() + ")");
      return List.of();
    }
  }
}
