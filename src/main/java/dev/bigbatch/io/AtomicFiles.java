package dev.bigbatch.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The one way bigbatch writes a file that readers (a resume, a report, a person) may see at any moment: the bytes
 * go to a temporary file in the target's directory, which is flushed to disk ({@code fsync}) and renamed over the
 * target. Readers see the old file or the new one, never half of one; after a crash the target is the old file or
 * the complete new one. On any failure the temporary file is deleted and the old file left as it was.
 */
public final class AtomicFiles {
  /** Produces the file's bytes into a stream. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} atomically from {@code writer}, creating its directory if needed.
   *
   * @throws UncheckedIOException naming the target
   */
  public static void write(Path target, Writer writer) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        writer.write(out); // which may close the stream itself (Jackson does)
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true); // the file's data on disk before the rename makes it visible
      }
      try {
        // createTempFile makes the file private (0600); run files and reports are meant to be read, e.g. served.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException notPosix) {
        // keep the file system's default
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; that error is the one to report
        }
      }
    }
  }

  public static void writeBytes(Path target, byte[] bytes) {
    write(target, out -> out.write(bytes));
  }

  public static void writeString(Path target, String text) {
    writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
  }
}
