package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.diag.NoiseScaleProbe;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.ModelBuffer;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.spec.JobSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The noise-scale probe sees every step and leaves training exactly as it was (gradients, BN statistics). */
class GradientObserverTest {
  private static float[] train(Path out, NoiseScaleProbe probe) {
    ImageDataset train = TinyData.make(128, 1, 8, 4, 1);
    ImageDataset test = TinyData.make(32, 1, 8, 4, 2);
    JobSpec.Builder b = TinyTrainer.config(out);
    b.epochs = 1.5;
    JobSpec c = b.build();
    Model m = TinyTrainer.model(c, train);
    Trainer t = TinyTrainer.trainer(c, m, train, test, List.of());
    if (probe != null) {
      t.gradientObserver(probe);
    }
    t.run();
    List<Float> all = new ArrayList<>();
    for (ModelParameter p : m.params()) {
      for (float f : Tensors.toFloats(p.value())) {
        all.add(f);
      }
    }
    for (ModelBuffer buf : m.buffers()) {
      for (float f : Tensors.toFloats(buf.value())) {
        all.add(f);
      }
    }
    float[] out2 = new float[all.size()];
    for (int i = 0; i < out2.length; i++) {
      out2[i] = all.get(i);
    }
    return out2;
  }

  @Test
  void probeSeesEveryStepAndChangesNothing(@TempDir Path dir) {
    float[] plain = train(dir.resolve("plain"), null);
    NoiseScaleProbe probe = new NoiseScaleProbe(8, 32, 0.9);
    float[] probed = train(dir.resolve("probed"), probe);
    assertArrayEquals(plain, probed, "parameters and BN statistics after training");
    assertEquals(6, probe.samples().size()); // 1.5 epochs of 128/32 steps
    double small = 0;
    double big = 0;
    for (NoiseScaleProbe.Sample s : probe.samples()) {
      assertTrue(s.bigNormSq() > 0 && Double.isFinite(s.smallNormSq()), s.toString());
      small += s.smallNormSq();
      big += s.bigNormSq();
    }
    // E|G_n|² = |G|² + tr(Σ)/n exceeds E|G_kn|²: one worker's gradient is the noisier one.
    assertTrue(small > big, "small-batch gradients should be noisier: " + small + " vs " + big);
  }
}
