package dev.bigbatch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json describes the run: TrainConfig's values and the settings outside it (transport options). */
class MetricsJsonlTest {
  @Test
  void configJsonHoldsTheRunAndItsExtraSettings(@TempDir Path dir) throws Exception {
    TrainConfig c = TinyTrainer.config(dir).build();
    try (MetricsJsonl m = new MetricsJsonl(dir, 1).setting("gradCompression", "fp16")) {
      m.onStart(c, "tiny", 7, 21);
    }
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals("fp16", cfg.path("gradCompression").asText(), cfg.toString());
    assertEquals(c.globalBatch(), cfg.path("globalBatch").asInt());
    assertEquals(21, cfg.path("totalSteps").asLong());
    assertTrue(cfg.path("peakLr").asDouble() > 0, cfg.toString());
  }
}
