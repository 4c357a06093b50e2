package dev.bigbatch.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * The typed sections of one checkpoint, held as JSON (so a state built in memory reads back exactly as one
 * loaded from its file). {@code source} names the file in messages.
 */
public final class CheckpointSections {
  /** No sections (a fresh run, or a checkpoint without any). */
  public static final CheckpointSections NONE = new CheckpointSections("checkpoint", new LinkedHashMap<>());

  private final String source;
  final LinkedHashMap<String, JsonNode> json; // read by Checkpoints when it writes the header

  CheckpointSections(String source, LinkedHashMap<String, JsonNode> json) {
    this.source = source;
    this.json = json;
  }

  /** These sections with {@code section} set to {@code value} (in insertion order: equal states, equal files). */
  public <T> CheckpointSections with(Checkpoints.Section<T> section, T value) {
    LinkedHashMap<String, JsonNode> m = new LinkedHashMap<>(json);
    m.put(section.name(), Checkpoints.JSON.valueToTree(value));
    return new CheckpointSections(source, m);
  }

  public boolean has(Checkpoints.Section<?> section) {
    return json.containsKey(section.name());
  }

  /**
   * The section, or empty when the checkpoint has none.
   *
   * @throws IllegalArgumentException of one line naming the file and the section when it is malformed
   */
  public <T> Optional<T> get(Checkpoints.Section<T> section) {
    JsonNode node = json.get(section.name());
    if (node == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Checkpoints.JSON.treeToValue(node, section.type()));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new IllegalArgumentException(source + ": checkpoint section \"" + section.name() + "\" is malformed ("
          + firstLine(why) + ")");
    }
  }

  /**
   * The section, which must be there.
   *
   * @param why what its absence means and what to do, e.g. "it was not written by a --batch auto run"
   * @throws IllegalArgumentException of one line naming the file and the section when it is missing or malformed
   */
  public <T> T require(Checkpoints.Section<T> section, String why) {
    return get(section).orElseThrow(() -> new IllegalArgumentException(source + ": checkpoint has no section \""
        + section.name() + "\"; " + why));
  }

  CheckpointSections from(String file) {
    return new CheckpointSections(file, json);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no detail";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
