package dev.bigbatch.optim;

import static dev.bigbatch.optim.LayerProblem.maxDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.bigbatch.spec.OptimizerSpec;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The factory passes each setting to the right option: equal trajectories to hand-built optimizers. */
class OptimizersTest {
  private static final LongToDoubleFunction LR = t -> 0.02 * (1 + t);

  private static OptimizerSpec settings(OptimizerSpec.Kind kind, boolean decayBiasAndNorm) {
    return new OptimizerSpec(kind, 0.8, 0.03, false, decayBiasAndNorm, 0.05, 0.85, 0.99, 1e-5);
  }

  @Test
  void factoryBuildsTheNamedOptimizerWithTheGivenSettings() {
    LayerProblem pr = new LayerProblem(31);
    for (boolean asWeights : new boolean[] {false, true}) {
      float[][] sgd = pr.run(ps -> Optimizers.create(settings(OptimizerSpec.Kind.SGD, asWeights), ps), LR);
      float[][] lars = pr.run(ps -> Optimizers.create(settings(OptimizerSpec.Kind.LARS, asWeights), ps), LR);
      float[][] lamb = pr.run(ps -> Optimizers.create(settings(OptimizerSpec.Kind.LAMB, asWeights), ps), LR);
      assertEquals(0, maxDiff(sgd, pr.run(ps -> new Sgd(ps, new Sgd.Options(0.8, 0.03, false, asWeights, true)), LR)));
      assertEquals(0, maxDiff(lars, pr.run(ps -> new Lars(ps, new Lars.Options(0.8, 0.03, 0.05, asWeights, true)), LR)));
      assertEquals(0, maxDiff(lamb, pr.run(ps -> new Lamb(ps, new Lamb.Options(0.85, 0.99, 1e-5, 0.03, asWeights)), LR)));
    }
    assertInstanceOf(Lars.class, Optimizers.create(settings(OptimizerSpec.Kind.LARS, false), new LayerProblem(1).params()));
  }
}
