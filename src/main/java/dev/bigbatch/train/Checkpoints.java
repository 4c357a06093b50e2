package dev.bigbatch.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.model.Buffer;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.Param;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.JobSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Checkpoints: everything needed to continue a run so that it ends bit-identical to an uninterrupted
 * one — parameters, BN buffers, optimizer state tensors and scalars, and the position (the next
 * global step; the sampler's epoch and offset and all data randomness are pure functions of it and
 * the seed). File layout: {@code BBCKPT01}, a JSON header (its length first), float32 tensor data
 * in header order, CRC32 of all of it. Written to a temp file and renamed, so a crash never leaves
 * a half-written checkpoint.
 */
public final class Checkpoints {
  private static final byte[] MAGIC = "BBCKPT01".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Checkpoints() {}

  /** When to save: every {@code everySteps} steps (0 = never) and/or at every epoch end. */
  public record Policy(Path path, long everySteps, boolean everyEpoch) {
    public static final Policy NONE = new Policy(null, 0, false);

    boolean due(long nextStep, boolean epochEnd, boolean lastStep) {
      if (path == null) {
        return false;
      }
      return (everySteps > 0 && nextStep % everySteps == 0) || (everyEpoch && epochEnd) || lastStep;
    }
  }

  /**
   * A captured training state. {@code identity} holds the config values a resume must match;
   * {@code progress} holds position state that is not a function of the step alone (the batch
   * autopilot's current workers and sampler offset, fp16 compression's bucket scales), empty for plain
   * fixed-batch runs;
   * {@code scheduleState} is an adaptive schedule's state (AutoWU), empty for pure schedules.
   */
  public record State(Map<String, String> identity, long nextStep, double[] optimizerScalars,
      LinkedHashMap<String, float[]> tensors, Map<String, long[]> shapes, Map<String, String> progress,
      double[] scheduleState) {

    public State(Map<String, String> identity, long nextStep, double[] optimizerScalars,
        LinkedHashMap<String, float[]> tensors, Map<String, long[]> shapes) {
      this(identity, nextStep, optimizerScalars, tensors, shapes, Map.of(), new double[0]);
    }

    /** This state with {@code progress} attached (in its iteration order: equal states give equal files). */
    public State withProgress(Map<String, String> progress) {
      return new State(identity, nextStep, optimizerScalars, tensors, shapes,
          Collections.unmodifiableMap(new LinkedHashMap<>(progress)), scheduleState);
    }

    static Map<String, String> identityOf(JobSpec c) {
      Map<String, String> id = new LinkedHashMap<>();
      id.put("model", c.model().architecture());
      id.put("width", Integer.toString(c.model().width()));
      id.put("workers", Integer.toString(c.batch().virtualWorkers()));
      id.put("perWorkerBatch", Integer.toString(c.batch().perWorker()));
      id.put("seed", Long.toString(c.seed()));
      id.put("optimizer", c.optimizer().kind().name());
      id.put("data", c.data().dataset().name());
      return id;
    }

    public static State capture(JobSpec c, Model model, Optimizer opt, long nextStep) {
      LinkedHashMap<String, float[]> tensors = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : named(model, opt).entrySet()) {
        tensors.put(e.getKey(), Tensors.toFloats(e.getValue()));
        shapes.put(e.getKey(), Tensors.shape(e.getValue()));
      }
      return new State(identityOf(c), nextStep, opt.scalars(), tensors, shapes);
    }

    /** The tensors saved under {@code prefix} (e.g. ConAdv's stale copy), by full name. */
    public Map<String, float[]> tensorsWithPrefix(String prefix) {
      Map<String, float[]> out = new LinkedHashMap<>();
      tensors.forEach((k, v) -> {
        if (k.startsWith(prefix)) {
          out.put(k, v);
        }
      });
      return out;
    }

    /** This state with {@code extra} tensors (names outside the model's and optimizer's) added. */
    public State withTensors(Map<String, Tensor> extra) {
      LinkedHashMap<String, float[]> t = new LinkedHashMap<>(tensors);
      Map<String, long[]> sh = new LinkedHashMap<>(shapes);
      extra.forEach((k, v) -> {
        t.put(k, Tensors.toFloats(v));
        sh.put(k, Tensors.shape(v));
      });
      return new State(identity, nextStep, optimizerScalars, t, sh, progress, scheduleState);
    }

    private static Set<String> withoutPrefix(Set<String> names, String prefix) {
      Set<String> out = new LinkedHashSet<>(names);
      out.removeIf(n -> n.startsWith(prefix));
      return out;
    }

    /** This state with an adaptive schedule's state added. */
    public State withScheduleState(double[] state) {
      return new State(identity, nextStep, optimizerScalars, tensors, shapes, progress, state.clone());
    }

    /** Copies this state into a freshly built model and optimizer; clear errors on mismatch. */
    public void applyTo(JobSpec c, Model model, Optimizer opt) {
      Map<String, String> expected = identityOf(c);
      for (Map.Entry<String, String> e : expected.entrySet()) {
        String saved = identity.get(e.getKey());
        if (!e.getValue().equals(saved)) {
          throw new IllegalArgumentException("checkpoint was written by a run with " + e.getKey() + "=" + saved
              + " but this run has " + e.getKey() + "=" + e.getValue() + "; resume with the same settings");
        }
      }
      Map<String, Tensor> targets = named(model, opt);
      if (!targets.keySet().equals(withoutPrefix(tensors.keySet(), ConAdv.CHECKPOINT_PREFIX))) {
        throw new IllegalArgumentException("checkpoint holds tensors " + tensors.keySet().size()
            + " that do not match this model/optimizer's " + targets.size());
      }
      try (NoGradGuard g = new NoGradGuard()) {
        for (Map.Entry<String, Tensor> e : targets.entrySet()) {
          long[] shape = Tensors.shape(e.getValue());
          if (!Arrays.equals(shape, shapes.get(e.getKey()))) {
            throw new IllegalArgumentException("checkpoint tensor " + e.getKey() + " has shape "
                + Arrays.toString(shapes.get(e.getKey())) + ", model expects " + Arrays.toString(shape));
          }
          e.getValue().copy_(Tensors.fromFloats(tensors.get(e.getKey()), shape));
        }
      }
      opt.restoreScalars(optimizerScalars);
    }
  }

  static LinkedHashMap<String, Tensor> named(Model model, Optimizer opt) {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (Param p : model.params()) {
      out.put("param/" + p.name(), p.value());
    }
    for (Buffer b : model.buffers()) {
      out.put("buffer/" + b.name(), b.value());
    }
    for (Optimizer.StateTensor s : opt.state()) {
      out.put("optim/" + s.name(), s.value());
    }
    return out;
  }

  public static void save(Path file, State s) {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode id = header.putObject("identity");
    s.identity().forEach(id::put);
    header.put("nextStep", s.nextStep());
    if (!s.progress().isEmpty()) {
      ObjectNode progress = header.putObject("progress");
      s.progress().forEach(progress::put);
    }
    ArrayNode scalars = header.putArray("optimizerScalars");
    for (double d : s.optimizerScalars()) {
      scalars.add(d);
    }
    if (s.scheduleState().length > 0) {
      ArrayNode schedule = header.putArray("scheduleState");
      for (double d : s.scheduleState()) {
        schedule.add(d);
      }
    }
    ArrayNode tensors = header.putArray("tensors");
    long floats = 0;
    for (Map.Entry<String, float[]> e : s.tensors().entrySet()) {
      ObjectNode t = tensors.addObject().put("name", e.getKey());
      ArrayNode shape = t.putArray("shape");
      for (long d : s.shapes().get(e.getKey())) {
        shape.add(d);
      }
      floats += e.getValue().length;
    }
    byte[] head;
    try {
      head = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(MAGIC.length + 4 + head.length + floats * 4 + 8))
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).putInt(head.length).put(head);
    for (float[] v : s.tensors().values()) {
      buf.asFloatBuffer().put(v);
      buf.position(buf.position() + v.length * 4);
    }
    CRC32 crc = new CRC32();
    crc.update(buf.array(), 0, buf.position());
    buf.putLong(crc.getValue());
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      Files.write(tmp, buf.array());
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads and verifies a checkpoint; any problem is an IllegalArgumentException naming the file. */
  public static State load(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": checkpoint does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read checkpoint: " + e.getMessage());
    }
    if (all.length < MAGIC.length + 12 || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException(file + ": not a bigbatch checkpoint (bad magic)");
    }
    ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    if (crc.getValue() != buf.getLong(all.length - 8)) {
      throw new IllegalArgumentException(file + ": checkpoint is corrupt (CRC mismatch); use an earlier checkpoint");
    }
    buf.position(MAGIC.length);
    int headLen = buf.getInt();
    if (headLen < 0 || headLen > all.length - buf.position() - 8) {
      throw new IllegalArgumentException(file + ": checkpoint header length " + headLen + " is out of range");
    }
    JsonNode header;
    try {
      header = JSON.readTree(Arrays.copyOfRange(all, buf.position(), buf.position() + headLen));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": checkpoint header is not valid JSON");
    }
    buf.position(buf.position() + headLen);
    Map<String, String> identity = new LinkedHashMap<>();
    header.get("identity").fields().forEachRemaining(e -> identity.put(e.getKey(), e.getValue().asText()));
    List<Double> scalars = new ArrayList<>();
    header.get("optimizerScalars").forEach(n -> scalars.add(n.asDouble()));
    LinkedHashMap<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (JsonNode t : header.get("tensors")) {
      long[] shape = new long[t.get("shape").size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.get("shape").get(i).asLong();
        count *= shape[i];
      }
      if (count * 4 > all.length - 8 - buf.position()) {
        throw new IllegalArgumentException(file + ": checkpoint is truncated at tensor " + t.get("name").asText());
      }
      float[] v = new float[(int) count];
      buf.asFloatBuffer().get(v);
      buf.position(buf.position() + v.length * 4);
      tensors.put(t.get("name").asText(), v);
      shapes.put(t.get("name").asText(), shape);
    }
    Map<String, String> progress = new LinkedHashMap<>();
    if (header.has("progress")) {
      header.get("progress").fields().forEachRemaining(e -> progress.put(e.getKey(), e.getValue().asText()));
    }
    double[] schedule = new double[header.path("scheduleState").size()];
    for (int i = 0; i < schedule.length; i++) {
      schedule[i] = header.get("scheduleState").get(i).asDouble();
    }
    return new State(identity, header.get("nextStep").asLong(),
        scalars.stream().mapToDouble(Double::doubleValue).toArray(), tensors, shapes, progress, schedule);
  }
}
