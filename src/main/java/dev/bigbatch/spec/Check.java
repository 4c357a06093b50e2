package dev.bigbatch.spec;

/** The one way a spec rejects a value: an {@link IllegalArgumentException} whose message names the flag. */
final class Check {
  private Check() {}

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  static void positive(double v, String flag) {
    require(v > 0 && Double.isFinite(v), flag + " must be a positive number, got " + v);
  }

  static void positive(long v, String flag) {
    require(v > 0, flag + " must be > 0, got " + v);
  }

  static void atLeastZero(double v, String flag) {
    require(v >= 0 && Double.isFinite(v), flag + " must be >= 0, got " + v);
  }

  static void fraction(double v, String flag) {
    require(v >= 0 && v < 1, flag + " must be in [0, 1), got " + v);
  }

  static <T> T notNull(T v, String flag) {
    require(v != null, flag + " must be given");
    return v;
  }
}
