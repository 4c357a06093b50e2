package dev.bigbatch.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bigbatch.data.Dataset;
import dev.bigbatch.data.ImageDataset;
import dev.bigbatch.data.ImageExamples;
import dev.bigbatch.model.Models;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program's own {@link Dataset} through {@link Job}: read through the interface only (nothing measured or applied on
 * top), it trains exactly like the built-in image path when it yields the same values.
 */
class JobDatasetTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  static ImageDataset images(int count, long seed) {
    Random r = new Random(seed);
    byte[] px = new byte[count * 64];
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = r.nextInt(4);
      for (int p = 0; p < 64; p++) { // a class-dependent brightness plus noise: learnable, not trivial
        px[i * 64 + p] = (byte) Math.min(255, labels[i] * 50 + r.nextInt(60));
      }
    }
    return new ImageDataset("tiny-" + seed, 1, 8, 8, px, labels, 4);
  }

  static JobSpec spec(Path out, boolean augment) {
    JobSpec.Builder b = JobSpec.builder();
    b.model.architecture = "user:mlp";
    b.batch.workers = 4;
    b.batch.perWorker = 8;
    b.lr.base = 0.1;
    b.lr.baseBatch = 32;
    b.epochs = 2;
    b.threads = 1;
    b.data.augment = augment;
    b.output.dir = out;
    return b.build();
  }

  /** Forwards every call: the job sees only the interface, never the built-in class behind it. */
  static Dataset opaque(Dataset d, Set<Long> epochsRead) {
    return new Dataset() {
      @Override public String name() { return "opaque " + d.name(); }
      @Override public int size() { return d.size(); }
      @Override public int channels() { return d.channels(); }
      @Override public int height() { return d.height(); }
      @Override public int width() { return d.width(); }
      @Override public int numClasses() { return d.numClasses(); }
      @Override public int read(int index, long epoch, float[] out) {
        epochsRead.add(epoch);
        return d.read(index, epoch, out);
      }
    };
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void ownDatasetEqualsTheBuiltInPathWhenItReadsTheSameValues(boolean augment, @TempDir Path dir) throws Exception {
    ImageDataset train = images(128, 1);
    ImageDataset test = images(32, 2);
    Path builtIn = dir.resolve("built-in");
    Job.of(spec(builtIn, augment)).console(QUIET).model("mlp", in -> Models.create("mlp", in, 1, false))
        .data(train, test).run();

    // The same values, produced by the program: normalised by the training set, augmented as the spec's seed says.
    ImageExamples.Pair same = ImageExamples.of(train, test, augment, spec(builtIn, augment).seed());
    Set<Long> epochs = ConcurrentHashMap.newKeySet();
    Path own = dir.resolve("own");
    JobResult r = Job.of(spec(own, false)).console(QUIET).model("mlp", in -> Models.create("mlp", in, 1, false))
        .data(opaque(same.train(), epochs), opaque(same.test(), ConcurrentHashMap.newKeySet())).run();

    assertEquals(steps(builtIn), steps(own), "the same loss and lr at every step");
    assertEquals(Set.of(0L, 1L), epochs, "read per epoch, so augmentation can differ between epochs");
    assertEquals("user", Specs.JSON.readTree(own.resolve("config.json").toFile()).path("job").path("data")
        .path("dataset").asText());
    assertTrue(r.testAccuracy() > 0.25, "learns something: " + r.testAccuracy());
  }

  @Test
  void trainLimitAndGlobalBatchApplyToOwnDatasets(@TempDir Path dir) {
    ImageDataset train = images(128, 1);
    ImageExamples.Pair pair = ImageExamples.of(train, images(32, 2), false, 1);
    JobSpec.Builder b = spec(dir.resolve("x"), false).toBuilder();
    b.data.trainLimit = 16; // below one global batch of 32
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Job.of(b.build()).console(QUIET).model("mlp", in -> Models.create("mlp", in, 1, false))
            .data(pair.train(), pair.test()).run());
    assertTrue(e.getMessage().contains("global batch 32") && e.getMessage().contains("16 training examples"),
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("x").resolve("metrics.jsonl")), "nothing written");
  }

  static List<String> steps(Path run) throws Exception {
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"kind\":\"step\""))
        .map(l -> {
          try {
            var n = Specs.JSON.readTree(l);
            return n.path("step").asLong() + " " + n.path("loss").asDouble() + " " + n.path("lr").asDouble();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).collect(Collectors.toList());
  }
}
