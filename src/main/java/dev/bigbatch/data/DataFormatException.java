package dev.bigbatch.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A dataset file is missing, unreadable or malformed. The message is one line: the file, a colon, and what
 * is wrong, e.g. {@code /data/train-images-idx3-ubyte.gz: truncated: header says 60000 images of 28x28 but
 * file has 1234567 bytes of pixels}.
 */
public final class DataFormatException extends RuntimeException {
  private final transient Path file;

  public DataFormatException(Path file, String problem) {
    this(file, problem, null);
  }

  public DataFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + oneLine(problem), cause);
    this.file = Objects.requireNonNull(file, "file");
  }

  /** The offending file (or directory, when a whole directory is missing or empty). */
  public Path file() {
    return file;
  }

  private static String oneLine(String s) {
    return String.valueOf(s).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
