package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** {@link GradientBuckets#layout}: reverse parameter order, a bucket closes before it would overflow. */
class BucketLayoutTest {
  @Test
  void reverseOrderGreedyBuckets() {
    // Parameters (model order) 10, 20, 70, 30, 40 bytes, buckets of 60. Reverse: 40, 30 → 70 > 60, so [40]
    // closes; [30], then 70 → [30] closes; [70] alone (bigger than a bucket); [20, 10] = 30.
    assertArrayEquals(new long[] {40, 30, 70, 30}, GradientBuckets.layout(new long[] {10, 20, 70, 30, 40}, 60));
    // Everything fits in one bucket; exactly full is allowed.
    assertArrayEquals(new long[] {60}, GradientBuckets.layout(new long[] {10, 20, 30}, 60));
    assertArrayEquals(new long[] {}, GradientBuckets.layout(new long[] {}, 60));
  }

  @Test
  void autoBucketIsAnEighthBetween64KiBAnd25MiB() {
    assertArrayEquals(new long[] {64L << 10, 64L << 10, 1L << 20, 25L << 20},
        new long[] {GradientBuckets.autoBucketBytes(1000), GradientBuckets.autoBucketBytes(8L << 16),
            GradientBuckets.autoBucketBytes(8L << 20), GradientBuckets.autoBucketBytes(1L << 40)});
  }
}
