package dev.bigbatch.data;

import java.nio.FloatBuffer;

/**
 * A decoded batch ready for the engine: {@code count} images, normalised float32 in NCHW order in a direct,
 * native-order {@link FloatBuffer} (position 0, limit count*C*H*W), and their labels as int64.
 *
 * <p>Lifetime: a batch from {@link BatchDecoder#decode(IndexBatch)} or {@link Prefetcher#next()} owns its
 * buffer: nothing else writes to it, so a consumer may keep it (e.g. wrapped zero-copy in a tensor) as long
 * as it likes, and the garbage collector frees it. Allocating a direct buffer per batch is, however, the
 * largest cost of decoding (page faults and zeroing: ~1 ms at 256x784 floats, 10-60 ms at 8192x784, against
 * 0.14 / 8 ms for the decode itself); a consumer that is done with a batch should hand it back with
 * {@link Prefetcher#recycle(Batch)} so a later batch reuses the memory.
 */
public record Batch(long epoch, int stepInEpoch, int count, FloatBuffer images, long[] labels) {}
