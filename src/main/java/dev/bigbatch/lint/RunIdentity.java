package dev.bigbatch.lint;

import java.util.Map;

/**
 * The batch geometry of an earlier run — from a checkpoint's identity or a run directory's
 * {@code config.json} — that the linter compares the current config with.
 *
 * @param workers k of that run (virtual workers; with {@code --accumulate} this is k·A)
 * @param perWorkerBatch n of that run
 * @param source where it was read from, for messages
 */
public record RunIdentity(int workers, int perWorkerBatch, String source) {
  public RunIdentity {
    if (workers <= 0 || perWorkerBatch <= 0) {
      throw new IllegalArgumentException(source + ": workers and perWorkerBatch must be positive, got "
          + workers + " and " + perWorkerBatch);
    }
  }

  /** From {@code Checkpoints.State.identity()} (keys {@code workers}, {@code perWorkerBatch}). */
  public static RunIdentity fromCheckpointIdentity(Map<String, String> identity, String source) {
    String k = identity.get("workers");
    String n = identity.get("perWorkerBatch");
    if (k == null || n == null) {
      throw new IllegalArgumentException(source + ": checkpoint identity lacks workers/perWorkerBatch: " + identity.keySet());
    }
    return new RunIdentity(Integer.parseInt(k), Integer.parseInt(n), source);
  }

  /** kn of that run. */
  public long globalBatch() {
    return (long) workers * perWorkerBatch;
  }
}
