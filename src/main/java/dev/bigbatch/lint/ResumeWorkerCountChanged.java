package dev.bigbatch.lint;

import dev.bigbatch.schedule.ScalingRule;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.train.Recipe;
import java.util.Locale;
import java.util.Optional;

/**
 * Resuming a checkpoint with a different worker count k. Elsewhere this silently keeps the old learning
 * rate (tuned for the old kn) or the old per-worker BN; bigbatch recomputes the peak rate from the current
 * config, but the checkpoint's identity check refuses the resume — this rule says why and what the rates
 * would be, before the run loads data. Fires when the resumed checkpoint's k differs from the config's.
 */
public record ResumeWorkerCountChanged() implements Rule {
  @Override
  public String id() {
    return "resume-worker-count-changed";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    if (context.resumed().isEmpty()) {
      return Optional.empty();
    }
    RunIdentity saved = context.resumed().get();
    JobSpec c = context.config();
    if (saved.workers() == c.batch().virtualWorkers()) {
      return Optional.empty();
    }
    ScalingRule rule = c.lr().rule();
    double savedPeak = c.lr().peak(saved.globalBatch());
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "%s was written with k=%d (kn=%d, peak LR %.4g) but this run has k=%d (kn=%d, peak LR %.4g under %s scaling); "
            + "the momentum buffer and schedule position belong to the old batch, and the trainer will refuse the resume",
        saved.source(), saved.workers(), saved.globalBatch(), savedPeak, c.batch().virtualWorkers(), c.batch().global(),
        Recipe.peakLr(c),
        rule.name().toLowerCase(Locale.ROOT)),
        String.format(Locale.ROOT, "resume with --workers %d --batch-per-worker %d; to change k, start a new run "
            + "(the peak LR is rescaled from --lr and kn automatically)", saved.workers(), saved.perWorkerBatch())));
  }
}
