package dev.bigbatch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bench/ops_reference.py} and reads its rows: {@code op<TAB>name<TAB>count<TAB>fwd<TAB>fwd+bwd}. */
final class OpsReference {
  private OpsReference() {}

  /** The PyTorch rows by op name; empty after printing why when PyTorch or the script is missing. */
  static Map<String, BenchOpsCommand.Row> run(String python, String model, int width, int perWorkerBatch,
      int workers, int threads, int reps, PrintStream out) throws IOException, InterruptedException {
    StepReference step = StepReference.find(python, null, model, out);
    if (step == null) {
      return Map.of();
    }
    String script = step.script().resolveSibling("ops_reference.py").toString();
    List<String> cmd = List.of(python, script, "--model", model, "--width", Integer.toString(width),
        "--batch-per-worker", Integer.toString(perWorkerBatch), "--workers", Integer.toString(workers),
        "--threads", Integer.toString(threads), "--reps", Integer.toString(reps));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Map<String, BenchOpsCommand.Row> rows = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
        String[] f = line.split("\t");
        if (f.length == 5 && f[0].equals("op")) {
          rows.put(f[1], new BenchOpsCommand.Row(f[1], Integer.parseInt(f[2]), number(f[3]), number(f[4])));
        }
      }
    } finally {
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly();
      }
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("the PyTorch reference failed (exit " + p.exitValue() + "): "
          + String.join(" ", cmd) + "\n" + String.join("\n", lines));
    }
    out.println("pytorch: " + step.version());
    return rows;
  }

  /** Python prints NaN as "nan". */
  private static double number(String s) {
    return s.equalsIgnoreCase("nan") ? Double.NaN : Double.parseDouble(s);
  }
}
