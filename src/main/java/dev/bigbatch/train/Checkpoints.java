package dev.bigbatch.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.engine.Tensors;
import dev.bigbatch.io.AtomicFiles;
import dev.bigbatch.io.TensorFile;
import dev.bigbatch.model.Model;
import dev.bigbatch.model.ModelBuffer;
import dev.bigbatch.model.ModelParameter;
import dev.bigbatch.optim.Optimizer;
import dev.bigbatch.spec.JobSpec;
import dev.bigbatch.spec.Specs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Checkpoints: everything needed to continue a run so that it ends bit-identical to an uninterrupted
 * one — parameters, BN buffers, optimizer state tensors and scalars, and the position (the next
 * global step; the sampler's epoch and offset and all data randomness are pure functions of it and
 * the seed) — plus the typed {@link Section}s of the parts that keep state of their own: each owner
 * (the trainer's epoch sums, the fp16 gradient sync's scales, the batch autopilot's position and
 * window, the decentralized gossip counters) declares a {@link Section} and writes and reads only it.
 * Tensor sections hold extra tensors of one owner (ConAdv's stale copy).
 *
 * <p>File: a {@link TensorFile} with magic {@code BBCKPT02}; the header holds {@code identity},
 * {@code nextStep}, {@code optimizerScalars}, {@code scheduleState} (if any), {@code sections} (one
 * JSON object per section, by name), {@code tensorSections} (their names; their tensors are named
 * {@code <section>/<name>} in the table) and the tensor table. Written atomically ({@link AtomicFiles}),
 * so a crash never leaves a half-written checkpoint. Checkpoints of earlier versions ({@code BBCKPT01},
 * whose sections were string-keyed "progress" entries) are refused with one line: they cannot be resumed.
 */
public final class Checkpoints {
  /** The magic of this version's checkpoints (a {@link TensorFile}). */
  static final String MAGIC = "BBCKPT02";
  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .build();

  private Checkpoints() {}

  /**
   * One owner's part of a checkpoint: a record of type {@code type}, stored as the JSON object {@code name} of the
   * header's {@code sections}. Owners declare it once as a constant; nobody else reads or writes it.
   */
  public record Section<T>(String name, Class<T> type) {}

  /** The job that wrote the checkpoint, as its spec's JSON ({@link State#checkSameJob}). */
  static final Section<JsonNode> JOB = new Section<>("job", JsonNode.class);

  /**
   * Settings a resumed run may change (prefixes of the spec's JSON paths): where the data and outputs are, threads,
   * communication tuning, the lockstep trace and where ConAdv computes — none changes a number.
   */
  static final List<String> MAY_CHANGE = List.of("data.dir", "threads", "output.", "sync.bucketMb", "sync.overlap",
      "sync.commTimeoutSeconds", "extras.traceSteps", "extras.traceDir", "extras.conAdvInline");

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
   * {@code scheduleState} is an adaptive schedule's state (AutoWU), empty for pure schedules; {@code sections}
   * the owners' typed sections; {@code tensorSections} extra tensors by section (ConAdv's stale copy).
   */
  public record State(Map<String, String> identity, long nextStep, double[] optimizerScalars,
      LinkedHashMap<String, float[]> tensors, Map<String, long[]> shapes, double[] scheduleState, CheckpointSections sections,
      Map<String, LinkedHashMap<String, TensorFile.Tensor>> tensorSections) {

    public State(Map<String, String> identity, long nextStep, double[] optimizerScalars,
        LinkedHashMap<String, float[]> tensors, Map<String, long[]> shapes) {
      this(identity, nextStep, optimizerScalars, tensors, shapes, new double[0], CheckpointSections.NONE, Map.of());
    }

    /** This state with {@code section} set to {@code value}. */
    public <T> State with(Section<T> section, T value) {
      return withSections(sections.with(section, value));
    }

    /** This state with its sections replaced. */
    public State withSections(CheckpointSections s) {
      return new State(identity, nextStep, optimizerScalars, tensors, shapes, scheduleState, s, tensorSections);
    }

    /** This state with another identity (a decentralized rank's adds its own entries). */
    public State withIdentity(Map<String, String> id) {
      return new State(Collections.unmodifiableMap(new LinkedHashMap<>(id)), nextStep, optimizerScalars, tensors,
          shapes, scheduleState, sections, tensorSections);
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
      return new State(identityOf(c), nextStep, opt.scalars(), tensors, shapes).with(JOB, Specs.JSON.valueToTree(c));
    }

    /**
     * Refuses to continue a run whose job differs from the one that wrote this checkpoint in anything but
     * {@code MAY_CHANGE} (where files go, threads, communication tuning): the data, model, batch, learning-rate recipe
     * (epochs included: the decay follows them), optimizer, sync and objective must be the same for the resumed run to
     * equal the uninterrupted one. Checkpoints without the job section are checked on their identity keys only.
     */
    public void checkSameJob(JobSpec c) {
      checkSameJob(c, List.of());
    }

    /**
     * {@link #checkSameJob(JobSpec)}, letting the settings at {@code allowed} (JSON paths, e.g. {@code epochs}) differ;
     * returns those that do, for the runner to state.
     */
    public List<Specs.Difference> checkSameJob(JobSpec c, List<String> allowed) {
      Optional<JsonNode> saved = sections.get(JOB);
      if (saved.isEmpty()) {
        return List.of();
      }
      List<String> skip = new ArrayList<>(MAY_CHANGE);
      skip.addAll(allowed);
      List<Specs.Difference> differ = Specs.differences(saved.get(), c, skip);
      if (!differ.isEmpty()) {
        throw new IllegalArgumentException("checkpoint was written by a run with "
            + String.join(", ", differ.stream().map(Specs.Difference::before).toList()) + " but this run has "
            + String.join(", ", differ.stream().map(Specs.Difference::after).toList()) + "; resume with the same "
            + "settings (the run's config.json has them: train --config DIR/config.json --resume FILE), or name an "
            + "intended change with --resume-allow, e.g. --resume-allow epochs");
      }
      return Specs.differences(saved.get(), c, MAY_CHANGE);
    }

    /** The job that wrote this checkpoint, when it recorded one. */
    public Optional<JobSpec> savedJob() {
      return sections.get(JOB).map(node -> Specs.builder("checkpoint", node).build());
    }

    /** The tensors of section {@code name} (e.g. ConAdv's stale copy) by their names in it; empty when absent. */
    public Map<String, float[]> tensorSection(String name) {
      Map<String, float[]> out = new LinkedHashMap<>();
      tensorSections.getOrDefault(name, new LinkedHashMap<>()).forEach((k, v) -> out.put(k, v.values()));
      return out;
    }

    /** This state with tensor section {@code name} holding {@code extra} (names outside the model's and optimizer's). */
    public State withTensorSection(String name, Map<String, Tensor> extra) {
      LinkedHashMap<String, TensorFile.Tensor> section = new LinkedHashMap<>();
      extra.forEach((k, v) -> section.put(k, new TensorFile.Tensor(Tensors.shape(v), Tensors.toFloats(v))));
      Map<String, LinkedHashMap<String, TensorFile.Tensor>> all = new LinkedHashMap<>(tensorSections);
      all.put(name, section);
      return new State(identity, nextStep, optimizerScalars, tensors, shapes, scheduleState, sections,
          Collections.unmodifiableMap(all));
    }

    /** This state with an adaptive schedule's state added. */
    public State withScheduleState(double[] state) {
      return new State(identity, nextStep, optimizerScalars, tensors, shapes, state.clone(), sections, tensorSections);
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
      if (!targets.keySet().equals(tensors.keySet())) {
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
    for (ModelParameter p : model.params()) {
      out.put("param/" + p.name(), p.value());
    }
    for (ModelBuffer b : model.buffers()) {
      out.put("buffer/" + b.name(), b.value());
    }
    for (Optimizer.StateTensor s : opt.state()) {
      out.put("optim/" + s.name(), s.value());
    }
    return out;
  }

  public static void save(Path file, State s) {
    TensorFile.write(file, MAGIC, header(s), allTensors(s));
  }

  private static ObjectNode header(State s) {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode id = header.putObject("identity");
    s.identity().forEach(id::put);
    header.put("nextStep", s.nextStep());
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
    if (!s.sections().json.isEmpty()) {
      ObjectNode sections = header.putObject("sections");
      s.sections().json.forEach(sections::set);
    }
    if (!s.tensorSections().isEmpty()) {
      ArrayNode names = header.putArray("tensorSections");
      s.tensorSections().keySet().forEach(names::add);
    }
    return header;
  }

  private static LinkedHashMap<String, TensorFile.Tensor> allTensors(State s) {
    LinkedHashMap<String, TensorFile.Tensor> all = new LinkedHashMap<>();
    s.tensors().forEach((k, v) -> all.put(k, new TensorFile.Tensor(s.shapes().get(k), v)));
    s.tensorSections().forEach((section, tensors) -> tensors.forEach((k, v) -> all.put(section + "/" + k, v)));
    return all;
  }

  /** Reads and verifies a checkpoint; any problem is an IllegalArgumentException of one line naming the file. */
  public static State load(Path file) {
    TensorFile.Contents c = TensorFile.read(file, MAGIC, "checkpoint");
    ObjectNode h = c.header();
    JsonNode idNode = field(file, h, "identity", JsonNode::isObject, "an object");
    Map<String, String> identity = new LinkedHashMap<>();
    idNode.fields().forEachRemaining(e -> identity.put(e.getKey(), e.getValue().asText()));
    long nextStep = field(file, h, "nextStep", JsonNode::canConvertToLong, "an integer").asLong();
    double[] scalars = doubles(file, h, "optimizerScalars", true);
    double[] schedule = doubles(file, h, "scheduleState", false);
    LinkedHashMap<String, JsonNode> sections = new LinkedHashMap<>();
    if (h.has("sections")) {
      field(file, h, "sections", JsonNode::isObject, "an object").fields()
          .forEachRemaining(e -> sections.put(e.getKey(), e.getValue()));
    }
    Map<String, LinkedHashMap<String, TensorFile.Tensor>> tensorSections = new LinkedHashMap<>();
    if (h.has("tensorSections")) {
      for (JsonNode n : field(file, h, "tensorSections", JsonNode::isArray, "an array of names")) {
        tensorSections.put(n.asText(), new LinkedHashMap<>());
      }
    }
    LinkedHashMap<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    outer:
    for (Map.Entry<String, TensorFile.Tensor> e : c.tensors().entrySet()) {
      for (Map.Entry<String, LinkedHashMap<String, TensorFile.Tensor>> sec : tensorSections.entrySet()) {
        if (e.getKey().startsWith(sec.getKey() + "/")) {
          sec.getValue().put(e.getKey().substring(sec.getKey().length() + 1), e.getValue());
          continue outer;
        }
      }
      tensors.put(e.getKey(), e.getValue().values());
      shapes.put(e.getKey(), e.getValue().shape());
    }
    return new State(identity, nextStep, scalars, tensors, shapes, schedule,
        new CheckpointSections(file.toString(), sections), tensorSections);
  }

  private static JsonNode field(Path file, JsonNode header, String name, Predicate<JsonNode> valid, String what) {
    JsonNode n = header.get(name);
    if (n == null) {
      throw new IllegalArgumentException(file + ": checkpoint header has no \"" + name + "\"");
    }
    if (!valid.test(n)) {
      throw new IllegalArgumentException(file + ": checkpoint header's \"" + name + "\" is not " + what);
    }
    return n;
  }

  private static double[] doubles(Path file, JsonNode header, String name, boolean required) {
    if (!required && !header.has(name)) {
      return new double[0];
    }
    JsonNode a = field(file, header, name, n -> n.isArray() && allNumbers(n), "an array of numbers");
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }

  private static boolean allNumbers(JsonNode array) {
    for (JsonNode n : array) {
      if (!n.isNumber()) {
        return false;
      }
    }
    return true;
  }
}
