package dev.bigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bigbatch.comm.CommOptions;
import dev.bigbatch.comm.Communicators;
import dev.bigbatch.comm.WorldSpec;
import dev.bigbatch.job.Joined;
import dev.bigbatch.comm.net.JobSecret;
import dev.bigbatch.comm.rendezvous.TcpStoreRendezvous;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --rank-metrics}: ranks > 0 write their own step breakdown next to rank 0's (two ranks as threads over TCP). */
class RankMetricsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static void trainTwoRanks(Path out, String... extra) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    JobSecret secret = JobSecret.of("rank-metrics-test");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> codes = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        List<String> args = new ArrayList<>(List.of("--model", "mlp", "--width", "1", "--workers", "2",
            "--batch-per-worker", "8", "--train-limit", "64", "--epochs", "1", "--warmup", "none", "--threads", "1",
            "--out", out.toString()));
        args.addAll(List.of(extra));
        TrainCommand cmd = TrainCommand.parse(args.toArray(String[]::new));
        codes.add(pool.submit(() -> cmd.job().join(sync -> {
          WorldSpec world = new WorldSpec(rank, 2);
          TcpStoreRendezvous rdv = TcpStoreRendezvous.hostOrJoin(world, new InetSocketAddress("127.0.0.1", port), secret,
              Duration.ofSeconds(20));
          return Joined.rank(Communicators.connect(world, rdv, secret,
              CommOptions.defaults().withTimeout(Duration.ofSeconds(20))), rdv);
        }).run().processes()));
      }
      for (Future<Integer> f : codes) {
        assertEquals(2, f.get(), "both ranks ran as one job of 2 processes");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static List<JsonNode> steps(Path metrics) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      JsonNode n = JSON.readTree(line);
      if (n.get("kind").asText().equals("step")) {
        out.add(n);
      }
    }
    return out;
  }

  @Test
  void everyRankWritesItsStepsWhenAsked(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(LaunchProcessTest.FMNIST), "Fashion-MNIST not installed");
    Path out = dir.resolve("with");
    trainTwoRanks(out, "--rank-metrics");
    List<JsonNode> rank0 = steps(out.resolve("metrics.jsonl"));
    List<JsonNode> rank1 = steps(out.resolve("rank1").resolve("metrics.jsonl"));
    assertEquals(4, rank0.size()); // 64 examples / (2 workers × 8) per step
    assertEquals(rank0.size(), rank1.size());
    for (int i = 0; i < rank0.size(); i++) {
      assertEquals(rank0.get(i).get("step").asLong(), rank1.get(i).get("step").asLong());
      assertEquals(rank0.get(i).get("loss").asDouble(), rank1.get(i).get("loss").asDouble(), 0.0); // summed over ranks
      assertTrue(rank1.get(i).get("computeSeconds").asDouble() > 0);
    }
    assertFalse(Files.exists(out.resolve("rank0")), "rank 0 writes OUT itself");

    Path without = dir.resolve("without");
    trainTwoRanks(without);
    assertTrue(Files.isRegularFile(without.resolve("metrics.jsonl")));
    assertFalse(Files.exists(without.resolve("rank1")), "no per-rank metrics unless asked");
  }
}
