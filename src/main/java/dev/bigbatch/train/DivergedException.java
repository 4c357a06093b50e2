package dev.bigbatch.train;

import java.util.Locale;

/** The loss became NaN or infinite; the run stops at once. */
public final class DivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DivergedException(long step, double loss, double lr) {
    super(String.format(Locale.ROOT,
        "loss is %s at step %d (lr %.4g): training diverged; lower --lr or lengthen --warmup-epochs",
        Double.isNaN(loss) ? "NaN" : "infinite", step, lr));
  }
}
