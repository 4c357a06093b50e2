package dev.bigbatch.spec;

import picocli.CommandLine.Option;

/**
 * How replicas agree: synchronous gradient allreduce in buckets (optionally fp16 on the wire), or decentralized gossip
 * of parameters with the neighbours of a graph.
 *
 * @param mode {@code SYNC} (identical replicas) or {@code DECENTRALIZED}
 * @param topology decentralized: the graph (null: ring)
 * @param method decentralized: the update (null: DecentLaM)
 * @param compression element type of the gradient allreduce (sync only)
 * @param bucketMb gradient bucket size in MB (0: auto, gradient bytes / 8 between 64 KB and 25 MB)
 * @param overlap allreduce buckets during backward (false: after it)
 * @param commTimeoutSeconds seconds a peer may stall before the job fails
 */
public record SyncSpec(Mode mode, Topology topology, Method method, Compression compression, double bucketMb,
    boolean overlap, double commTimeoutSeconds) {
  public enum Mode { SYNC, DECENTRALIZED }

  /** Graphs of decentralized training: ring, static exponential, all-to-all (equals synchronous SGD). */
  public enum Topology { RING, EXP, FULL }

  /** Updates of decentralized training: DecentLaM (Yuan et al. 2021) and DmSGD. */
  public enum Method { DECENTLAM, DMSGD }

  /**
   * How gradient buckets travel in the allreduce. {@code FP16} is Horovod's {@code Compression.fp16} and DDP's
   * {@code fp16_compress_hook}: every replica decodes the same summed halves (see {@code train.HalfBucket}).
   */
  public enum Compression { NONE, FP16 }

  public SyncSpec {
    Check.notNull(mode, "--sync");
    Check.notNull(compression, "--grad-compression");
    if (mode == Mode.SYNC) {
      Check.require(topology == null && method == null, (topology != null ? "--topology" : "--decent-method")
          + " only applies with --sync decentralized");
    } else {
      Check.require(compression == Compression.NONE, "--grad-compression " + Specs.flagValue(compression)
          + " only applies with --sync sync (decentralized ranks average parameters, not gradients)");
    }
    Check.require(bucketMb >= 0 && Double.isFinite(bucketMb), "--bucket-mb must be >= 0 (0 = auto), got " + bucketMb);
    Check.positive(commTimeoutSeconds, "--comm-timeout");
  }

  public boolean decentralized() {
    return mode == Mode.DECENTRALIZED;
  }

  /** The decentralized graph (ring unless given). */
  public Topology topologyOrDefault() {
    return topology == null ? Topology.RING : topology;
  }

  /** The decentralized update (DecentLaM unless given). */
  public Method methodOrDefault() {
    return method == null ? Method.DECENTLAM : method;
  }

  /** Defaults and CLI flags of {@link SyncSpec}. */
  public static final class Builder {
    @Option(names = "--sync", paramLabel = "MODE", description = "sync (default: gradient allreduce, identical "
        + "replicas) or decentralized (each process keeps its own parameters and averages them with its neighbours; see "
        + "--topology, --decent-method).")
    public Mode mode = Mode.SYNC;

    @Option(names = "--topology", paramLabel = "GRAPH", description = "Graph of --sync decentralized: ring (default), "
        + "exp (static exponential), full (all-to-all; equals synchronous SGD).")
    public Topology topology;

    @Option(names = "--decent-method", paramLabel = "METHOD",
        description = "Update of --sync decentralized: decentlam (default; Yuan et al. 2021) or dmsgd.")
    public Method method;

    @Option(names = "--grad-compression", paramLabel = "none|fp16", description = "Element type of the gradient "
        + "allreduce: none (float32, default) or fp16 (IEEE half: half the bytes, every replica decodes the same sum; "
        + "Horovod's Compression.fp16, DDP's fp16_compress_hook; each bucket is scaled by a power of two against "
        + "underflow). A no-op in a single process (nothing is sent); not for --sync decentralized. Checkpoints keep the "
        + "per-bucket scales, so a resumed fp16 run equals the uninterrupted one bit for bit.")
    public Compression compression = Compression.NONE;

    @Option(names = "--bucket-mb", description = "Gradient bucket size for allreduce in MB (default: auto = gradient "
        + "bytes / 8, between 64 KB and 25 MB, so even small models overlap several buckets with backward).")
    public double bucketMb;

    @Option(names = "--no-overlap", negatable = true,
        description = "Allreduce gradient buckets after backward instead of during it.")
    public boolean overlap = true;

    @Option(names = "--comm-timeout", description = "Seconds a peer may stall before the job fails (default ${DEFAULT-VALUE}).")
    public double commTimeoutSeconds = 30;

    public SyncSpec build() {
      return new SyncSpec(mode, topology, method, compression, bucketMb, overlap, commTimeoutSeconds);
    }
  }
}
