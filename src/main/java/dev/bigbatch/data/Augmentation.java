package dev.bigbatch.data;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Train-time augmentation, as torchvision's {@code RandomCrop(size, padding=p)} followed by
 * {@code RandomHorizontalFlip()}: pad the HxW image with p pixels of value 0 on every side (in pixel space,
 * i.e. before normalisation, so a padded pixel becomes {@code -mean/std}), take the HxW window at a random
 * offset (offsetY, offsetX) in [0, 2p]², then mirror it left-right with probability 1/2. Written out:
 *
 * <pre>
 *   cropped[c][y][x] = image[c][y + offsetY - p][x + offsetX - p]   (0 outside the image)
 *   out[c][y][x]     = flip ? cropped[c][y][W - 1 - x] : cropped[c][y][x]
 * </pre>
 *
 * <p>The random choice for example i in epoch e is a function of (seed, e, i) only ({@link #draw(long, long,
 * int)}), so it does not depend on which worker or step decodes the example: a resumed run and a run with a
 * different worker count at the same global batch see the same augmented images. Evaluation uses
 * {@link #NONE}.
 */
public record Augmentation(int cropPadding, boolean horizontalFlip) {
  /** No augmentation: the image as stored. */
  public static final Augmentation NONE = new Augmentation(0, false);

  public Augmentation {
    if (cropPadding < 0) {
      throw new IllegalArgumentException("cropPadding must be >= 0 pixels, got " + cropPadding);
    }
  }

  /** One example's random choice: crop window offsets in [0, 2*cropPadding] and whether to mirror. */
  public record Choice(int offsetY, int offsetX, boolean flip) {}

  public boolean isIdentity() {
    return cropPadding == 0 && !horizontalFlip;
  }

  /** Draws one choice from {@code rng}: offsetY, then offsetX, then the flip (only if enabled). */
  public Choice draw(RandomGenerator rng) {
    int span = 2 * cropPadding + 1;
    int offsetY = cropPadding == 0 ? 0 : rng.nextInt(span);
    int offsetX = cropPadding == 0 ? 0 : rng.nextInt(span);
    boolean flip = horizontalFlip && rng.nextBoolean();
    return new Choice(offsetY, offsetX, flip);
  }

  /** The choice for example {@code exampleIndex} in {@code epoch}: a function of its arguments only. */
  public Choice draw(long seed, long epoch, int exampleIndex) {
    if (isIdentity()) {
      return new Choice(0, 0, false); // cropPadding == 0: the only window is the image itself
    }
    return draw(new SplittableRandom(key(seed, epoch, exampleIndex)));
  }

  /** Mixes (seed, epoch, index) into one well-spread 64-bit key (SplitMix64 finaliser per component). */
  static long key(long seed, long epoch, long index) {
    return mix64(mix64(mix64(seed) ^ epoch) ^ index);
  }

  static long mix64(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
