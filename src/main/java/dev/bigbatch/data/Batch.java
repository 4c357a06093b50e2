package dev.bigbatch.data;

import java.nio.FloatBuffer;

/**
 * A decoded batch ready for the engine: {@code count} images, normalised float32 in NCHW order in a direct,
 * native-order {@link FloatBuffer} (position 0, limit = capacity = count*C*H*W), and their labels as int64.
 *
 * <p>Lifetime: every batch owns a fresh buffer that nothing else writes to, so a consumer may keep it (e.g.
 * wrapped zero-copy in a tensor) for as long as it likes; it is freed by the garbage collector.
 */
public record Batch(long epoch, int stepInEpoch, int count, FloatBuffer images, long[] labels) {}
