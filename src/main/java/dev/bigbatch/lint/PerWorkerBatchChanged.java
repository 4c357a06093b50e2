package dev.bigbatch.lint;

import dev.bigbatch.spec.JobSpec;
import java.util.Locale;
import java.util.Optional;

/**
 * Same global batch as a reference run, different per-worker batch n. The update is the mean over kn in
 * both, but BN statistics are computed per worker over n examples, so changing n (e.g. halving the workers
 * and doubling n to "keep the batch") changes the normalisation noise and the result (pycls#104; Goyal et al.
 * fix n = 32). Compares with {@link LintContext#reference()}, else with the resumed checkpoint.
 */
public record PerWorkerBatchChanged() implements Rule {
  @Override
  public String id() {
    return "per-worker-batch-changed";
  }

  @Override
  public Optional<Warning> check(LintContext context) {
    Optional<RunIdentity> ref = context.reference().or(context::resumed);
    if (ref.isEmpty()) {
      return Optional.empty();
    }
    RunIdentity r = ref.get();
    JobSpec c = context.config();
    if (r.globalBatch() != c.batch().global() || r.perWorkerBatch() == c.batch().perWorker()) {
      return Optional.empty();
    }
    return Optional.of(new Warning(id(), String.format(Locale.ROOT,
        "same global batch kn=%d as %s, but n changes %d → %d (k %d → %d): BN statistics are computed over %d "
            + "examples instead of %d, so the result will differ even though the update averages the same kn",
        c.batch().global(), r.source(), r.perWorkerBatch(), c.batch().perWorker(), r.workers(),
        c.batch().virtualWorkers(),
        c.batch().perWorker(), r.perWorkerBatch()),
        String.format(Locale.ROOT, "keep --batch-per-worker %d --workers %d; if memory is the reason, add "
            + "--accumulate (BN stays per n-slice)", r.perWorkerBatch(), r.workers())));
  }
}
