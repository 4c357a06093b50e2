package dev.bigbatch.train;

/**
 * How gradient buckets travel in the allreduce ({@code train --grad-compression}).
 *
 * <p>{@link #FP16} is Horovod's {@code hvd.Compression.fp16} and PyTorch DDP's {@code fp16_compress_hook}:
 * each replica rounds its float32 bucket to IEEE binary16 ({@link dev.bigbatch.comm.Float16}), the
 * allreduce sums halves (every hop rounds its sum to half, as NCCL does for fp16), and every replica decodes
 * the same summed halves back to float32. The wire carries half the bytes; every replica still ends with
 * bit-identical gradients, because they all decode the same bits. See {@link HalfBucket} for the scaling and
 * the error bound.
 *
 * <p>Where the reduction happens (the choice). The alternative with the same bytes on the wire is to keep
 * each replica's own contribution in float32 and round only the partial sums that are sent (a mixed
 * fp32-accumulate / fp16-wire ring). Adding two halves in float32 and rounding back is bit-for-bit a native
 * half add (24 ≥ 2·11 + 2, so the double rounding is innocuous), so the only difference between the two is
 * that the alternative skips rounding each replica's own contribution: P − 1 of the 2P − 1 roundings of
 * a P-way sum. That would at best halve an error that is already below the gradient noise, and it needs
 * a collective that mixes element types (float32 in, half on the wire, float32 out) in both algorithms. We
 * chose the simple, standard form: compress, allreduce FLOAT16, decompress, as Horovod and DDP do;
 * docs/RESULTS-compression.md measures both errors.
 */
public enum GradientCompression {
  /** Float32 buckets (bit-identical to a build without compression). */
  NONE,
  /** Binary16 on the wire: half the bytes, relative error about 2^-11 per rounding. */
  FP16
}
