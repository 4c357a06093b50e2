package dev.bigbatch.comm.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * The per-job shared secret every connection proves knowledge of. Never printed ({@link #toString()}
 * is redacted).
 */
public final class JobSecret {
  /** Environment variable holding the secret itself. */
  public static final String ENV_SECRET = "BIGBATCH_SECRET";
  /** Environment variable naming a file (permissions 0600) that holds the secret. */
  public static final String ENV_SECRET_FILE = "BIGBATCH_SECRET_FILE";

  private final byte[] key;

  private JobSecret(byte[] key) {
    if (key.length == 0) {
      throw new IllegalArgumentException("job secret must not be empty");
    }
    this.key = key.clone();
  }

  /** A secret from raw bytes. */
  public static JobSecret of(byte[] key) {
    return new JobSecret(key);
  }

  /** A secret from a string (its UTF-8 bytes). */
  public static JobSecret of(String key) {
    return new JobSecret(key.getBytes(StandardCharsets.UTF_8));
  }

  /** A fresh random 32-byte secret, e.g. for a launcher to hand to its children as hex. */
  public static JobSecret random() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return new JobSecret(b);
  }

  /** The secret as a hex string suitable for {@code BIGBATCH_SECRET}. */
  public String toHex() {
    return HexFormat.of().formatHex(key);
  }

  /**
   * Reads the secret from {@code BIGBATCH_SECRET}, or else from the file named by
   * {@code BIGBATCH_SECRET_FILE}, which must be readable by its owner only (mode 0600 or 0400).
   *
   * @throws IllegalArgumentException naming the variables to set, or the chmod to run
   */
  public static JobSecret fromEnv(Map<String, String> env) {
    String direct = env.get(ENV_SECRET);
    if (direct != null && !direct.isEmpty()) {
      return of(direct);
    }
    String file = env.get(ENV_SECRET_FILE);
    if (file == null || file.isEmpty()) {
      throw new IllegalArgumentException("no job secret: set " + ENV_SECRET + " to a shared random string, or "
          + ENV_SECRET_FILE + " to a file with mode 0600 holding it (e.g. `head -c32 /dev/urandom | "
          + "base64 > secret && chmod 600 secret`)");
    }
    return fromFile(Path.of(file));
  }

  /** Reads the secret from a file that must not be accessible to group or others; trailing newline trimmed. */
  public static JobSecret fromFile(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      for (PosixFilePermission p : perms) {
        if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
          throw new IllegalArgumentException("secret file " + file + " has permissions "
              + java.nio.file.attribute.PosixFilePermissions.toString(perms)
              + "; it must be readable by its owner only: run `chmod 600 " + file + "`");
        }
      }
      byte[] bytes = Files.readAllBytes(file);
      int end = bytes.length;
      while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
        end--;
      }
      if (end == 0) {
        throw new IllegalArgumentException("secret file " + file + " is empty");
      }
      return new JobSecret(Arrays.copyOf(bytes, end));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read secret file " + file + " (" + ENV_SECRET_FILE + ")", e);
    }
  }

  byte[] key() {
    return key;
  }

  @Override
  public String toString() {
    return "JobSecret[redacted]";
  }
}
