package dev.bigbatch.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.data.Batch;
import dev.bigbatch.io.AtomicFiles;
import dev.bigbatch.io.TensorFile;
import dev.bigbatch.model.Model;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.JobSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the first N steps of a run to a directory, so that another implementation can replay them from the same
 * start on the same batches ({@code bench/torch-reference/lockstep.py}): the hidden {@code train} options
 * {@code --trace-steps N --trace-dir DIR} (no {@code --help} entry; a diagnostic, not a feature). Files, all
 * little-endian and written atomically (temp file + rename):
 *
 * <ul>
 *   <li>{@code state-<t>.bin}: the training state <em>before</em> step t as a checkpoint ({@link Checkpoints},
 *       a {@link TensorFile}: magic, JSON header with the tensor table, float32 data, CRC) — every tensor
 *       ({@code param/<name>}, {@code buffer/<name>} BN running statistics, {@code optim/momentum/<name>}) in the
 *       order and at the offsets (from the start of the data) that {@code index.json}'s {@code tensors} and the
 *       file's own header list. {@code state-<start>.bin} is the initial state after init and the broadcast from
 *       rank 0; {@code state-<t+1>.bin} is written right after step t's update.</li>
 *   <li>{@code batch-<t>.bin}: step t's global batch as the workers trained on it, worker w's n examples at
 *       positions [w·n, (w+1)·n): float32 images [kn, C, H, W] after normalisation and augmentation, then int64
 *       labels [kn] (the layout {@code bench/step_reference.py --batch-file} reads).</li>
 *   <li>{@code index.json}: the train arguments ({@code args}) and config string, kn, the example shape, the
 *       tensor table, and per traced step its lr, global-mean loss (as the trainer reports it) and the
 *       optimizer's scalars after it (the previous lr of the momentum correction). Rewritten after each step, so
 *       an interrupted trace is readable; {@code complete} turns true after the N-th step.</li>
 * </ul>
 *
 * <p>Tracing only reads: it never changes what is computed (the state is copied out of the tensors between
 * steps). It needs one process holding every worker, so that a step's batch here is the global batch.
 */
public final class StepTrace {
  /** Format tag in {@code index.json}. */
  public static final String FORMAT = "bigbatch-step-trace/2";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final int steps;
  private final ObjectNode index = JSON.createObjectNode();
  private final ArrayNode stepNodes;
  private int traced;
  private boolean started;

  private StepTrace(Path dir, int steps, List<String> args) {
    this.dir = dir;
    this.steps = steps;
    index.put("format", FORMAT);
    ArrayNode a = index.putArray("args");
    args.forEach(a::add);
    index.put("tracedSteps", steps);
    index.put("complete", false);
    stepNodes = JSON.createArrayNode();
  }

  /**
   * A trace of the first {@code steps} steps into {@code dir} (created if missing; it must not hold an earlier
   * trace). {@code args} are the {@code train} arguments, recorded for the replaying side.
   *
   * @throws IllegalArgumentException naming {@code --trace-steps}/{@code --trace-dir} and the problem
   */
  public static StepTrace open(Path dir, int steps, List<String> args) {
    if (steps <= 0) {
      throw new IllegalArgumentException("--trace-steps must be > 0, got " + steps);
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--trace-dir " + dir + " is a file, not a directory");
    }
    if (Files.exists(dir.resolve("index.json"))) {
      throw new IllegalArgumentException("--trace-dir " + dir + " already holds a trace (index.json); use an empty "
          + "directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("--trace-dir " + dir + " cannot be created: " + e);
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException("--trace-dir " + dir + " is not writable");
    }
    return new StepTrace(dir, steps, args);
  }

  /** How many steps this trace records. */
  public int steps() {
    return steps;
  }

  /** Records the run's description and the state before its first step {@code firstStep}. */
  void start(JobSpec config, StepPlan plan, Model model, Optimizer optimizer, long firstStep, long... exampleShape) {
    Checkpoints.State state = Checkpoints.State.capture(config, model, optimizer, firstStep);
    index.put("config", config.summary());
    index.put("model", model.describe());
    index.put("workers", config.batch().virtualWorkers());
    index.put("perWorkerBatch", config.batch().perWorker());
    index.put("globalBatch", config.batch().global());
    index.put("stepsPerEpoch", plan.stepsPerEpoch());
    index.put("totalSteps", plan.totalSteps());
    ArrayNode shape = index.putArray("exampleShape");
    for (long d : exampleShape) {
      shape.add(d);
    }
    ArrayNode tensors = index.putArray("tensors");
    long offset = 0;
    for (Map.Entry<String, float[]> e : state.tensors().entrySet()) {
      ObjectNode t = tensors.addObject().put("name", e.getKey());
      ArrayNode s = t.putArray("shape");
      for (long d : state.shapes().get(e.getKey())) {
        s.add(d);
      }
      t.put("offset", offset);
      offset += 4L * e.getValue().length;
    }
    index.put("stateBytes", offset);
    index.put("firstStep", firstStep);
    index.put("initialState", stateFile(firstStep));
    scalars(index.putArray("initialOptimizerScalars"), optimizer.scalars());
    index.set("steps", stepNodes);
    writeState(firstStep, state);
    writeIndex();
    started = true;
  }

  /**
   * After step {@code s} trained on {@code batch} with global-mean loss {@code loss}: writes the batch, the state
   * after the update and the index; a no-op once N steps are traced.
   */
  void record(StepPlan.Step s, Batch batch, double loss, JobSpec config, Model model, Optimizer optimizer) {
    if (!started || traced >= steps) {
      return;
    }
    writeBatch(s.step(), batch);
    writeState(s.step() + 1, Checkpoints.State.capture(config, model, optimizer, s.step() + 1));
    ObjectNode n = stepNodes.addObject();
    n.put("step", s.step()).put("epoch", s.epoch()).put("stepInEpoch", s.stepInEpoch()).put("workers", s.workers())
        .put("lr", s.lr()).put("loss", loss).put("batch", batchFile(s.step())).put("stateAfter", stateFile(s.step() + 1));
    scalars(n.putArray("optimizerScalarsAfter"), optimizer.scalars());
    traced++;
    index.put("complete", traced == steps);
    writeIndex();
  }

  static String stateFile(long step) {
    return String.format("state-%06d.bin", step);
  }

  static String batchFile(long step) {
    return String.format("batch-%06d.bin", step);
  }

  private static void scalars(ArrayNode out, double[] values) {
    for (double v : values) {
      out.add(v);
    }
  }

  private void writeState(long step, Checkpoints.State state) {
    Checkpoints.save(dir.resolve(stateFile(step)), state);
  }

  private void writeBatch(long step, Batch batch) {
    FloatBuffer images = batch.images().duplicate();
    images.position(0);
    int floats = images.limit();
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(4L * floats + 8L * batch.labels().length))
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(images);
    buf.position(4 * floats);
    buf.asLongBuffer().put(batch.labels());
    writeAtomically(batchFile(step), buf.array());
  }

  private void writeIndex() {
    try {
      writeAtomically("index.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeAtomically(String name, byte[] bytes) {
    AtomicFiles.write(dir.resolve(name), out -> out.write(bytes));
  }
}
