package dev.bigbatch.spec;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a run writes.
 *
 * @param dir the run directory: metrics.jsonl, config.json, result.json (and the checkpoint by default)
 * @param checkpoint the checkpoint file (null: dir/checkpoint.bin); decentralized ranks write FILE-rank&lt;r&gt;
 * @param checkpointEvery also checkpoint every N steps (0: only at epoch ends)
 * @param rankMetrics every rank r &gt; 0 also writes dir/rank&lt;r&gt;/metrics.jsonl
 */
public record OutputSpec(Path dir, Path checkpoint, long checkpointEvery, boolean rankMetrics) {
  public OutputSpec {
    Check.notNull(dir, "--out");
    Check.require(checkpointEvery >= 0, "--checkpoint-every must be >= 0 (0 = only at epoch ends), got " + checkpointEvery);
  }

  /** The checkpoint this run writes: {@code checkpoint}, else dir/checkpoint.bin. */
  public Path checkpointFile() {
    return checkpoint != null ? checkpoint : dir.resolve("checkpoint.bin");
  }

  /** Defaults and CLI flags of {@link OutputSpec}. */
  public static final class Builder {
    @Option(names = "--out", paramLabel = "DIR", description = "Output directory for metrics (default ${DEFAULT-VALUE}).")
    public Path dir = Path.of("runs", "latest");

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Checkpoint file (default: OUT/checkpoint.bin). "
        + "With --sync decentralized every rank r writes its own FILE-rank<r> (e.g. checkpoint-rank0.bin) and keeps its "
        + "previous save as FILE-rank<r>.prev.")
    public Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "N",
        description = "Also checkpoint every N steps (0 = only at epoch ends) (default ${DEFAULT-VALUE}).")
    public long checkpointEvery;

    @Option(names = "--rank-metrics", description = "Every rank r > 0 also writes OUT/rank<r>/metrics.jsonl (per-rank "
        + "step breakdown, e.g. to see which rank the others wait for); rank 0 writes OUT as always.")
    public boolean rankMetrics;

    public OutputSpec build() {
      return new OutputSpec(dir, checkpoint, checkpointEvery, rankMetrics);
    }
  }
}
