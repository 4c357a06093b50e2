package dev.bigbatch.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A run directory claimed by one run: an exclusive OS lock on {@code DIR/.lock-rank<R>} for as long as the run
 * lives (released on close, or by the OS when the process dies, so a killed run never leaves it locked). Two runs
 * with the same {@code --out} used to both run, interleaving metrics.jsonl into a torn file; the second is now refused,
 * naming the holder's pid. One file per rank, so the ranks of one distributed job, which share {@code --out}, do not
 * refuse each other, while a second job's rank r meets the first job's.
 */
public final class RunLock implements AutoCloseable {
  private final FileChannel channel; // holds the lock while open

  private RunLock(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * Claims {@code dir} for {@code rank}, creating the directory if needed.
   *
   * @throws IllegalArgumentException (one line) if another run holds it, naming the directory and the holder, or if
   *     the directory or its lock file cannot be created (a regular file in the way, no permission, a full disk)
   */
  public static RunLock claim(Path dir, int rank) {
    Path file = dir.resolve(".lock-rank" + rank);
    try {
      return claim(dir, file);
    } catch (IOException e) {
      throw new IllegalArgumentException("--out " + dir + ": cannot claim the run directory (" + file + "): "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " " + e.getMessage()));
    }
  }

  private static RunLock claim(Path dir, Path file) throws IOException {
    Files.createDirectories(dir);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String holder = holder(ch);
      ch.close();
      throw new IllegalArgumentException("--out " + dir + " is in use by another run" + holder + " (" + file
          + " is locked); wait for it, or give this run another --out");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    return new RunLock(ch);
  }

  private static String holder(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      ch.read(b, 0);
      String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
      return pid.matches("\\d+") ? " (pid " + pid + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    try {
      channel.close(); // releases the lock
    } catch (IOException e) {
      // the OS drops the lock with the descriptor or, at worst, with the process
    }
  }
}
