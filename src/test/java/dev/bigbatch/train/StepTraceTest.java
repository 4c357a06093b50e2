package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.data.Batch;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.io.TensorFile;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Sgd;
import dev.bigbatch.spec.JobSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step trace ({@link StepTrace}) records what the trainer computed: replaying each traced step with the
 * trainer's own step ({@link TrainStep}) from the traced state before it, on the traced batch, gives the traced
 * state after it bit for bit; tracing does not change the run; files are complete and never half-written.
 */
class StepTraceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@link TinyTrainer}'s run with augmentation on (so a batch is not a function of the indices alone), lr 0.4. */
  private static JobSpec config(Path out) {
    JobSpec.Builder b = TinyTrainer.config(out);
    b.data.augment = true;
    b.epochs = 2;
    return b.build();
  }

  private static Sgd sgd(JobSpec c, Model m) {
    return new Sgd(m.params(), new Sgd.Options(c.optimizer().momentum(), c.optimizer().weightDecay(), c.optimizer().nesterov(), false, true));
  }

  private static Trainer trainer(JobSpec c, Model m, Sgd opt) {
    return new Trainer(c, m, opt, DistributedEquivalenceTest.TRAIN, DistributedEquivalenceTest.TEST,
        Replicas.single(), List.of());
  }

  private static Checkpoints.State readState(Path dir, JsonNode index, String file, JobSpec c, double[] scalars)
      throws IOException {
    TensorFile.Contents contents = TensorFile.read(dir.resolve(file), Checkpoints.MAGIC, "trace state");
    assertEquals(index.get("tensors"), contents.header().get(TensorFile.TENSORS), file + ": the index's tensor table");
    long bytes = 0;
    LinkedHashMap<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Map.Entry<String, TensorFile.Tensor> t : contents.tensors().entrySet()) {
      bytes += 4L * t.getValue().values().length;
      tensors.put(t.getKey(), t.getValue().values());
      shapes.put(t.getKey(), t.getValue().shape());
    }
    assertEquals(index.get("stateBytes").asLong(), bytes, file);
    return new Checkpoints.State(Checkpoints.State.identityOf(c), 0, scalars, tensors, shapes);
  }

  private static Batch readBatch(Path dir, String file, int count, int exampleFloats) throws IOException {
    ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals((long) count * (exampleFloats * 4L + 8), raw.capacity(), file + ": images then labels, nothing else");
    FloatBuffer images = ByteBuffer.allocateDirect(count * exampleFloats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    float[] f = new float[count * exampleFloats];
    raw.asFloatBuffer().get(f);
    images.put(f).flip();
    long[] labels = new long[count];
    raw.position(count * exampleFloats * 4);
    raw.asLongBuffer().get(labels);
    return new Batch(0, 0, count, images, labels);
  }

  private static void assertSameTensors(Checkpoints.State expected, Checkpoints.State actual, String what) {
    assertEquals(expected.tensors().keySet(), actual.tensors().keySet(), what);
    expected.tensors().forEach((name, v) -> assertArrayEquals(v, actual.tensors().get(name), what + ": " + name));
  }

  @Test
  void tracedStepsReplayBitForBitAndTracingChangesNothing(@TempDir Path dir) throws IOException {
    JobSpec c = config(dir.resolve("out"));
    Path traceDir = dir.resolve("trace");
    int steps = 3;
    Model traced = DistributedEquivalenceTest.model(c.seed());
    Sgd tracedOpt = sgd(c, traced);
    trainer(c, traced, tracedOpt).trace(StepTrace.open(traceDir, steps, List.of("--lr", "0.4"))).stopAfter(4).run();
    Model plain = DistributedEquivalenceTest.model(c.seed());
    Sgd plainOpt = sgd(c, plain);
    trainer(c, plain, plainOpt).stopAfter(4).run();
    // Tracing only reads: the run that traced ends exactly where the untraced one does (a step past the trace).
    assertSameTensors(Checkpoints.State.capture(c, plain, plainOpt, 4), Checkpoints.State.capture(c, traced, tracedOpt, 4),
        "traced vs untraced run");

    JsonNode index = JSON.readTree(traceDir.resolve("index.json").toFile());
    assertEquals(StepTrace.FORMAT, index.get("format").asText());
    assertTrue(index.get("complete").asBoolean());
    assertEquals(List.of("--lr", "0.4"), List.of(index.get("args").get(0).asText(), index.get("args").get(1).asText()));
    assertEquals(steps, index.get("steps").size(), "N steps traced, not the 4 the run made");
    assertEquals(c.summary(), index.get("config").asText());
    int kn = c.batch().global();
    int exampleFloats = 8 * 8;

    // The initial state is the model's init (same seed) with zero momenta.
    Model fresh = DistributedEquivalenceTest.model(c.seed());
    Sgd freshOpt = sgd(c, fresh);
    double[] scalars0 = {index.get("initialOptimizerScalars").get(0).asDouble()};
    Checkpoints.State before = readState(traceDir, index, index.get("initialState").asText(), c, scalars0);
    assertSameTensors(Checkpoints.State.capture(c, fresh, freshOpt, 0), before, "initial state");

    // Each step replayed from the traced state before it, on the traced batch, gives the traced state after it.
    for (JsonNode st : index.get("steps")) {
      Model m = DistributedEquivalenceTest.model(12345); // other init: all must come from the trace
      Sgd opt = sgd(c, m);
      before.applyTo(c, m, opt);
      m.context().training(true);
      Batch batch = readBatch(traceDir, st.get("batch").asText(), kn, exampleFloats);
      TrainStep.Result r = TrainStep.singleProcess(m, opt, c.batch().perWorker(), c.batch().chunkWorkers(), 1, 8, 8)
          .run(batch, c.batch().virtualWorkers(), st.get("lr").asDouble());
      assertEquals(st.get("loss").asDouble(), r.loss(), 0.0, "loss of step " + st.get("step"));
      double[] scalarsAfter = {st.get("optimizerScalarsAfter").get(0).asDouble()};
      assertArrayEquals(opt.scalars(), scalarsAfter, 0.0);
      Checkpoints.State after = readState(traceDir, index, st.get("stateAfter").asText(), c, scalarsAfter);
      assertSameTensors(after, Checkpoints.State.capture(c, m, opt, 0), "replay of step " + st.get("step"));
      before = after;
    }
    try (Stream<Path> files = Files.list(traceDir)) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(List.of("batch-000000.bin", "batch-000001.bin", "batch-000002.bin", "index.json", "state-000000.bin",
          "state-000001.bin", "state-000002.bin", "state-000003.bin"), names, "no temp files left, nothing else");
    }
  }

  @Test
  void anInterruptedTraceIsReadableAndADirectoryIsNotReused(@TempDir Path dir) throws IOException {
    JobSpec c = config(dir.resolve("out"));
    Path traceDir = dir.resolve("trace");
    Model m = DistributedEquivalenceTest.model(c.seed());
    trainer(c, m, sgd(c, m)).trace(StepTrace.open(traceDir, 5, List.of())).stopAfter(2).run();
    JsonNode index = JSON.readTree(traceDir.resolve("index.json").toFile());
    assertFalse(index.get("complete").asBoolean());
    assertEquals(2, index.get("steps").size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StepTrace.open(traceDir, 5, List.of()));
    assertTrue(e.getMessage().contains("already holds a trace"), e.getMessage());
    Path file = Files.writeString(dir.resolve("plain.txt"), "x");
    e = assertThrows(IllegalArgumentException.class, () -> StepTrace.open(file, 5, List.of()));
    assertTrue(e.getMessage().startsWith("--trace-dir " + file + " is a file"), e.getMessage());
  }
}
