package dev.bigbatch.lint;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Runs a list of rules over a context; the warnings come in rule order. */
public final class Linter {
  private final List<Rule> rules;

  public Linter(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** All rules with their default thresholds. */
  public static Linter defaults() {
    return new Linter(List.of(
        new WeightDecayOn1dParams(),
        new AdaptationOn1dParams(),
        new WarmupUnderOneStep(),
        new WarmupNotWholeSteps(),
        new WarmupWithoutRamp(),
        new LossNormalisedPerWorker(),
        new NoEpochReshuffle(),
        new ResumeWorkerCountChanged(),
        new PerWorkerBatchChanged(),
        WarmupShorterThanLegw.GOYAL,
        NoWarmupAtHighPeakLr.DEFAULT));
  }

  public List<Rule> rules() {
    return rules;
  }

  public List<Warning> check(LintContext context) {
    List<Warning> out = new ArrayList<>();
    for (Rule r : rules) {
      r.check(context).ifPresent(out::add);
    }
    return out;
  }

  /** Prints each warning prefixed with {@code prefix} (e.g. {@code "lint: "}); prints nothing when clean. */
  public static void print(List<Warning> warnings, String prefix, PrintStream out) {
    for (Warning w : warnings) {
      for (String line : w.format().split("\\R")) {
        out.println(prefix + line);
      }
    }
  }
}
