package example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@link DigitsExample} twice: as one process simulating all 8 workers, and as a job of 2 processes of 4 workers each,
 * started here the way any launcher does it (mpirun, srun or {@code bigbatch launch} set the same variables):
 * {@code BIGBATCH_RANK}, {@code BIGBATCH_WORLD_SIZE}, {@code BIGBATCH_MASTER_ADDR}/{@code _PORT} (rank 0 hosts the
 * rendezvous store there) and a shared {@code BIGBATCH_SECRET}. Then compares the two runs step by step: k workers of
 * n must equal one process of k·n. Exits 1 when any step's loss or the final test loss differs by more than 1e-5.
 *
 * <p>Usage: {@code TwoProcesses WORK_DIR [digits.csv.gz]}
 */
public final class TwoProcesses {
  static final double TOLERANCE = 1e-5;

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "runs/digits-two");
    String data = args.length > 1 ? args[1] : Digits.DEFAULT.toString();
    Path one = work.resolve("one-process");
    Path two = work.resolve("two-processes");

    run(List.of(start(one, data, Map.of())));
    String secret = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(24));
    int port = freePort();
    List<Process> ranks = new ArrayList<>();
    for (int rank = 0; rank < 2; rank++) {
      ranks.add(start(two, data, Map.of("BIGBATCH_RANK", Integer.toString(rank), "BIGBATCH_WORLD_SIZE", "2",
          "BIGBATCH_MASTER_ADDR", "127.0.0.1", "BIGBATCH_MASTER_PORT", Integer.toString(port),
          "BIGBATCH_SECRET", secret)));
    }
    run(ranks);

    List<Double> a = losses(one);
    List<Double> b = losses(two);
    if (a.size() != b.size() || a.isEmpty()) {
      throw new IllegalStateException("the runs logged " + a.size() + " and " + b.size() + " steps");
    }
    double worst = 0;
    for (int i = 0; i < a.size(); i++) {
      worst = Math.max(worst, Math.abs(a.get(i) - b.get(i)));
    }
    System.out.printf("two processes vs one: %d steps, largest difference of a step loss or the final test loss %.3g "
        + "(tolerance %.0e)%n", a.size() - 1, worst, TOLERANCE);
    System.exit(worst <= TOLERANCE ? 0 : 1);
  }

  /** Every step's loss, then the last epoch's test loss. */
  static List<Double> losses(Path run) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Double> out = new ArrayList<>();
    double testLoss = Double.NaN;
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode n = json.readTree(line);
      switch (n.path("kind").asText()) {
        case "step" -> out.add(n.path("loss").asDouble());
        case "epoch" -> testLoss = n.path("testLoss").asDouble();
        default -> { }
      }
    }
    out.add(testLoss);
    return out;
  }

  /** This JVM's java and classpath running {@link DigitsExample}, its output on ours. */
  static Process start(Path out, String data, Map<String, String> env) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), DigitsExample.class.getName(), out.toString(), data).inheritIO();
    pb.environment().putAll(env);
    return pb.start();
  }

  static void run(List<Process> processes) throws InterruptedException {
    for (Process p : processes) {
      int code = p.waitFor();
      if (code != 0) {
        processes.forEach(Process::destroyForcibly);
        throw new IllegalStateException("a training process exited with " + code);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
