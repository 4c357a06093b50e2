package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Checkpoints;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** The recipe linter as {@code train} runs it: on rank 0, before the first step, never fatal. */
public final class TrainStartLint {
  private TrainStartLint() {}

  /** Rules about warmup rounded to whole steps; under {@code --batch auto} warmup is on the epoch axis, not rounded. */
  public static final Set<String> STEP_AXIS_RULES = Set.of("warmup-not-whole-steps", "warmup-under-one-step");

  /**
   * Checks {@code config} at {@code trainExamples} (and against the checkpoint it resumes, if any), prints the
   * warnings to {@code out} and returns them; under {@code --batch auto} the step-axis warmup rules do not apply.
   * A rule that fails prints one line and no warnings: advice must never stop a run.
   */
  public static List<Warning> check(JobSpec config, int trainExamples, Checkpoints.State resumed, PrintStream out) {
    boolean batchAuto = config.batch().auto();
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
