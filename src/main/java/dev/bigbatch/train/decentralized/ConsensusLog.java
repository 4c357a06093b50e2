package dev.bigbatch.train.decentralized;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bigbatch.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Rank 0's record of the decentralized run: one JSON line per evaluation in {@code consensus.jsonl}
 * (epoch, consensus distance (1/P) Σ ||x_i − x̄||², cumulative gossip rounds and payload bytes, cumulative
 * socket bytes) and a console line. A resumed run appends to the file.
 */
public final class ConsensusLog implements Consumer<DecentralizedReplicas.Consensus> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path dir;
  private final Path file;
  private final PrintStream console;
  private boolean truncate; // a fresh run empties the file at its first line

  /**
   * @param append keep the lines already in the file (a resumed run); otherwise the first evaluation starts
   *     it afresh. Nothing is written before the first evaluation, so a run refused at start leaves no file.
   */
  public ConsensusLog(Path dir, PrintStream console, boolean append) {
    this.dir = dir;
    this.file = dir.resolve("consensus.jsonl");
    this.console = console;
    this.truncate = !append;
  }

  @Override
  public void accept(DecentralizedReplicas.Consensus c) {
    // Through Jackson, so a NaN distance (a diverged rank) is still valid JSON ("NaN" as a string).
    ObjectNode n = JSON.createObjectNode().put("epoch", c.epoch()).put("consensusDistance", c.distance())
        .put("gossipRounds", c.gossipRounds()).put("gossipPayloadBytes", c.gossipPayloadBytes())
        .put("wireBytesSent", c.wireBytesSent());
    String line = n + System.lineSeparator();
    if (truncate) { // a fresh file replaces an earlier run's in one atomic write
      AtomicFiles.writeString(file, line);
      truncate = false;
    } else {
      try {
        Files.createDirectories(dir);
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
      }
    }
    console.printf(Locale.ROOT, "consensus after epoch %d: (1/P)·Σ||x_i − x̄||² = %.4e; gossip %.1f KB per round%n",
        c.epoch() + 1, c.distance(), c.gossipRounds() == 0 ? 0.0 : c.gossipPayloadBytes() / 1024.0 / c.gossipRounds());
  }
}
