package dev.bigbatch.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The spec as JSON ({@code config.json}): enums in their flag spelling ({@code fashion-mnist}), paths as written,
 * unknown keys rejected. A run directory's {@code config.json} holds the spec under {@value #JOB_KEY}.
 */
public final class Specs {
  /** The key of the job spec in a run's {@code config.json}. */
  public static final String JOB_KEY = "job";

  /** Reads and writes specs; strict about unknown keys. */
  public static final ObjectMapper JSON = new ObjectMapper().registerModule(module());

  private Specs() {}

  /** The flag spelling of an enum value: {@code FASHION_MNIST} → {@code fashion-mnist}. */
  public static String flagValue(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a flag spelling ({@code fashion-mnist}, case-insensitive) into {@code type}; the message names the values. */
  public static <E extends Enum<E>> E parseEnum(Class<E> type, String value) {
    String key = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(key)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown value '" + value + "'; expected one of "
        + Arrays.stream(type.getEnumConstants()).map(Specs::flagValue).collect(Collectors.joining(", ")));
  }

  /** One line of JSON. */
  public static String json(Object spec) {
    try {
      return JSON.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The job in {@code file}: a run directory's {@code config.json} (the spec under {@value #JOB_KEY}) or a bare spec.
   * Keys left out take the defaults of {@code bigbatch train}.
   *
   * @throws IllegalArgumentException one line naming the file and what is wrong with it
   */
  public static JobSpec read(Path file) {
    return builder(file, readJob(file)).build();
  }

  /** The spec object of {@code file} (see {@link #read}), for overlaying flags on it. */
  public static ObjectNode readJob(Path file) {
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": no such file");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(file + ": not a JSON object");
    }
    JsonNode job = root.has(JOB_KEY) ? root.get(JOB_KEY) : root;
    if (!job.isObject()) {
      throw new IllegalArgumentException(file + ": '" + JOB_KEY + "' is not a JSON object");
    }
    return (ObjectNode) job.deepCopy();
  }

  /**
   * A builder from a spec object ({@link #readJob}), keys left out at their defaults.
   *
   * @param source named in errors (the file the object came from)
   */
  public static JobSpec.Builder builder(Object source, JsonNode job) {
    try {
      return JSON.treeToValue(job, JobSpec.Builder.class);
    } catch (JsonMappingException e) {
      String at = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining("."));
      throw new IllegalArgumentException(source + ": " + (at.isEmpty() ? "" : at + ": ") + firstLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": " + firstLine(e.getOriginalMessage()));
    }
  }

  /**
   * Sets the values at {@code paths} (dotted, e.g. {@code lr.base}) of {@code from} on {@code onto}: how flags given on
   * the command line override a {@code config.json}.
   */
  public static ObjectNode overlay(ObjectNode onto, JobSpec.Builder from, Collection<String> paths) {
    JsonNode values = JSON.valueToTree(from);
    for (String path : paths) {
      String[] keys = path.split("\\.");
      ObjectNode target = onto;
      JsonNode source = values;
      for (int i = 0; i < keys.length - 1; i++) {
        JsonNode next = target.get(keys[i]);
        target = next instanceof ObjectNode o ? o : target.putObject(keys[i]);
        source = source.path(keys[i]);
      }
      target.set(keys[keys.length - 1], source.path(keys[keys.length - 1]).deepCopy());
    }
    return onto;
  }

  /** One setting that differs between two jobs, as flags ({@link #asFlag}): e.g. {@code --lr 0.1} vs {@code --lr 0.2}. */
  public record Difference(String path, String before, String after) {}

  /**
   * The settings in which {@code now} differs from {@code saved} (a spec as JSON), except those under the path
   * prefixes {@code mayChange}; in path order.
   */
  public static java.util.List<Difference> differences(JsonNode saved, JobSpec now, Collection<String> mayChange) {
    Map<String, String> was = flatten(saved);
    Map<String, String> is = flatten(JSON.valueToTree(now));
    java.util.SortedSet<String> paths = new java.util.TreeSet<>(was.keySet());
    paths.addAll(is.keySet());
    java.util.List<Difference> out = new java.util.ArrayList<>();
    for (String p : paths) {
      if (mayChange.stream().noneMatch(p::startsWith) && !java.util.Objects.equals(was.get(p), is.get(p))) {
        out.add(new Difference(p, asFlag(p, was.get(p)), asFlag(p, is.get(p))));
      }
    }
    return out;
  }

  /** Leaves of a JSON object by their dotted paths; texts unquoted, everything else as JSON. */
  private static Map<String, String> flatten(JsonNode node) {
    Map<String, String> out = new java.util.TreeMap<>();
    flatten("", node, out);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
          e.getValue(), out));
    } else {
      out.put(prefix, node.isTextual() ? node.asText() : node.toString());
    }
  }

  /**
   * A setting as its flag would say it, from its JSON path and value: {@code lr.base}, {@code 0.1} → {@code --lr 0.1};
   * booleans as the flag's positive or negated form ({@code --augment}, {@code --no-augment}, {@code no --conadv});
   * unset values as {@code --flag unset}. Paths without a flag stay as they are ({@code path=value}).
   */
  public static String asFlag(String path, String value) {
    java.lang.reflect.Field field = fieldOf(path);
    picocli.CommandLine.Option option = field == null ? null : field.getAnnotation(picocli.CommandLine.Option.class);
    if (option == null) {
      return path + "=" + value;
    }
    String flag = java.util.Arrays.stream(option.names()).filter(n -> n.startsWith("--")).findFirst()
        .orElse(option.names()[0]);
    if (field.getType() == boolean.class && option.negatable()) {
      String positive = flag.startsWith("--no-") ? "--" + flag.substring(5) : flag;
      String negative = flag.startsWith("--no-") ? flag : "--no-" + flag.substring(2);
      return "true".equals(value) ? positive : negative;
    }
    if (field.getType() == boolean.class) {
      return "true".equals(value) ? flag : "no " + flag;
    }
    return flag + " " + (value == null || "null".equals(value) ? "unset" : value);
  }

  /**
   * The JSON path of the setting a flag sets: {@code --epochs} → {@code epochs}, {@code --lr} → {@code lr.base}.
   *
   * @throws IllegalArgumentException for a flag that is not a setting of the job
   */
  public static String pathOfFlag(String flag) {
    for (java.lang.reflect.Field concern : JobSpec.Builder.class.getFields()) {
      picocli.CommandLine.Option top = concern.getAnnotation(picocli.CommandLine.Option.class);
      if (top != null && java.util.Arrays.asList(top.names()).contains(flag)) {
        return concern.getName();
      }
      for (java.lang.reflect.Field f : concern.getType().getFields()) {
        picocli.CommandLine.Option o = f.getAnnotation(picocli.CommandLine.Option.class);
        if (o != null && (java.util.Arrays.asList(o.names()).contains(flag)
            || (o.negatable() && o.names()[0].startsWith("--no-") && flag.equals("--" + o.names()[0].substring(5))))) {
          return concern.getName() + "." + f.getName();
        }
      }
    }
    throw new IllegalArgumentException("'" + flag + "' is not a setting of the job (e.g. --epochs, --lr)");
  }

  /**
   * The JSON path of a field of {@link JobSpec.Builder} or of one of its concern builders ({@code lr.base} for
   * {@code LrSpec.Builder.base}); empty for any other field.
   */
  public static java.util.Optional<String> pathOf(java.lang.reflect.Field field) {
    if (field.getDeclaringClass() == JobSpec.Builder.class) {
      return java.util.Optional.of(field.getName());
    }
    for (java.lang.reflect.Field concern : JobSpec.Builder.class.getFields()) {
      if (concern.getType() == field.getDeclaringClass()) {
        return java.util.Optional.of(concern.getName() + "." + field.getName());
      }
    }
    return java.util.Optional.empty();
  }

  /** The builder field behind a JSON path of the spec, or null. */
  private static java.lang.reflect.Field fieldOf(String path) {
    Class<?> type = JobSpec.Builder.class;
    java.lang.reflect.Field field = null;
    for (String key : path.split("\\.")) {
      try {
        field = type.getField(key);
      } catch (NoSuchFieldException e) {
        return null;
      }
      type = field.getType();
    }
    return field;
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static SimpleModule module() {
    SimpleModule m = new SimpleModule("bigbatch-spec");
    m.addSerializer(Path.class, new StdSerializer<>(Path.class) {
      @Override
      public void serialize(Path p, JsonGenerator g, SerializerProvider sp) throws IOException {
        g.writeString(p.toString());
      }
    });
    m.addDeserializer(Path.class, new StdDeserializer<>(Path.class) {
      @Override
      public Path deserialize(JsonParser p, DeserializationContext c) throws IOException {
        return Path.of(p.getValueAsString());
      }
    });
    m.addSerializer(Enum.class, new StdSerializer<>(Enum.class) {
      @Override
      public void serialize(Enum e, JsonGenerator g, SerializerProvider sp) throws IOException {
        g.writeString(flagValue(e));
      }
    });
    m.setDeserializerModifier(new BeanDeserializerModifier() {
      @Override
      public JsonDeserializer<?> modifyEnumDeserializer(DeserializationConfig config, JavaType type,
          BeanDescription desc, JsonDeserializer<?> deserializer) {
        Class<Enum> raw = (Class<Enum>) type.getRawClass();
        return new StdDeserializer<Enum>(raw) {
          @Override
          public Enum deserialize(JsonParser p, DeserializationContext c) throws IOException {
            try {
              return parseEnum(raw, p.getValueAsString());
            } catch (IllegalArgumentException e) {
              throw JsonMappingException.from(p, e.getMessage());
            }
          }
        };
      }
    });
    return m;
  }
}
