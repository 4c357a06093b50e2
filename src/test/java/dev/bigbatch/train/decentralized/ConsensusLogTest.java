package dev.bigbatch.train.decentralized;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** consensus.jsonl stays valid JSON, a line per epoch, even when a rank diverged (a NaN distance; issue 20). */
class ConsensusLogTest {
  @Test
  void everyLineParsesNaNIncluded(@TempDir Path dir) throws Exception {
    ConsensusLog log = new ConsensusLog(dir, new PrintStream(OutputStream.nullOutputStream()), false);
    log.accept(new DecentralizedReplicas.Consensus(0, 1.5e-3, 10, 4096, 8192));
    log.accept(new DecentralizedReplicas.Consensus(1, Double.NaN, 20, 4096, 16384));
    List<String> lines = Files.readAllLines(dir.resolve("consensus.jsonl"));
    assertEquals(2, lines.size());
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertEquals(1.5e-3, first.path("consensusDistance").asDouble());
    assertEquals(8192, first.path("wireBytesSent").asLong());
    JsonNode second = json.readTree(lines.get(1)); // "NaN" written as a string: still JSON
    assertEquals("NaN", second.path("consensusDistance").asText());
    assertEquals(1, second.path("epoch").asLong());
  }
}
