package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.engine.Torch;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.LrSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  private static JobSpec.Builder tiny(Path out) {
    JobSpec.Builder b = TinyTrainer.config(out);
    b.lr.base = 0.1;
    return b;
  }

  @Test
  void learnsATinyProblemAndWritesValidMetrics(@TempDir Path dir) throws IOException {
    ImageDataset train = TinyData.make(256, 1, 8, 4, 1);
    ImageDataset test = TinyData.make(64, 1, 8, 4, 2);
    JobSpec c = tiny(dir).build();
    MetricsJsonl metrics = new MetricsJsonl(dir, 1);
    Trainer t = TinyTrainer.trainer(c, train, test, List.of(metrics));
    EpochMetrics last = t.run();
    assertTrue(last.testAccuracy() > 0.9, "tiny problem should be learnt, got " + last.testAccuracy());

    ObjectMapper json = new ObjectMapper();
    List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
    int steps = 0;
    int epochs = 0;
    for (String line : lines) {
      JsonNode n = json.readTree(line);
      if (n.get("kind").asText().equals("step")) {
        assertEquals(t.schedule().lrAt(n.get("step").asLong()), n.get("lr").asDouble(), 1e-12);
        steps++;
      } else {
        epochs++;
      }
    }
    assertEquals(3 * 256 / 32, steps);
    assertEquals(3, epochs);
    assertEquals("completed", json.readTree(dir.resolve("result.json").toFile()).get("status").asText());
  }

  @Test
  void divergenceStopsAtOnceNamingTheStepAndKeepsMetricsValid(@TempDir Path dir) throws IOException {
    ImageDataset train = TinyData.make(256, 1, 8, 4, 1);
    JobSpec.Builder b = tiny(dir);
    b.lr.base = 1e9;
    b.lr.warmup = LrSpec.Warmup.NONE;
    b.lr.decay = LrSpec.Decay.NONE;
    MetricsJsonl metrics = new MetricsJsonl(dir, 1);
    DivergedException e = assertThrows(DivergedException.class,
        () -> TinyTrainer.trainer(b.build(), train, train, List.of(metrics)).run());
    assertTrue(e.getMessage().matches("loss is (NaN|infinite) at step \\d+ .*lower --lr or lengthen --warmup-epochs"), e.getMessage());
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
      assertTrue(json.readTree(line).has("kind"));
    }
    assertEquals("failed", json.readTree(dir.resolve("result.json").toFile()).get("status").asText());
  }

  /** Native memory must not grow with the number of steps (every step's tensors are freed). */
  @Test
  void residentMemoryStaysFlatOver2000Steps(@TempDir Path dir) throws IOException {
    ImageDataset train = TinyData.make(640, 1, 28, 10, 3);
    ImageDataset test = TinyData.make(64, 1, 28, 10, 4);
    JobSpec.Builder b = tiny(dir);
    b.model.architecture = "mlp";
    b.model.width = 2;
    b.batch.perWorker = 32;
    b.batch.workers = 2;
    b.batch.workersPerChunk = 2;
    b.lr.baseBatch = 64;
    b.epochs = 200; // 10 steps per epoch
    b.lr.warmup = LrSpec.Warmup.NONE;
    b.lr.base = 0.01;
    List<Long> rss = new ArrayList<>();
    TrainListener probe = new TrainListener() {
      @Override
      public void onStep(StepMetrics m) {
        if (m.step() == 500 || m.step() == 1999) {
          System.gc();
          rss.add(residentBytes());
        }
      }
    };
    int threads = Torch.threads();
    Torch.threads(1); // tiny ops: thread hand-offs would dominate, and the test is about memory
    try {
      TinyTrainer.trainer(b.build(), train, test, List.of(probe)).run();
    } finally {
      Torch.threads(threads);
    }
    long growth = rss.get(1) - rss.get(0);
    // One leaked input batch per step would be 1500 × 200 KB = 300 MB.
    assertTrue(growth < 40L << 20, "RSS grew by " + (growth >> 20) + " MB between steps 500 and 2000");
  }

  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
