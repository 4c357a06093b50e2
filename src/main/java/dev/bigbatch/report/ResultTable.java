package dev.bigbatch.report;

import dev.bigbatch.io.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An experiment's table: per row, the test error of each seed (median of its last epochs, Goyal's
 * rule) and their mean ± sample standard deviation, next to the paper's number. Written as
 * {@code table.md} and {@code table.csv} (atomically) in the experiment's directory.
 */
public record ResultTable(Experiments.Plan plan, int lastEpochs, List<Line> lines) {
  /** One row: its settings, per-seed errors in % (NaN = diverged or failed), and the aggregate. */
  public record Line(String row, int globalBatch, int workers, int perWorkerBatch, String optimizer, String scaling,
      String warmup, double peakLr, List<Double> errors, double mean, double std, String reference) {
    public Line {
      errors = List.copyOf(errors);
    }

    public String errorText() {
      if (errors.isEmpty()) {
        return "not run";
      }
      if (Double.isNaN(mean)) {
        return "diverged/failed";
      }
      String failed = errors.stream().anyMatch(e -> e.isNaN()) ? " (some seeds failed)" : "";
      String aggregate = errors.size() - errors.stream().filter(e -> e.isNaN()).count() > 1
          ? String.format(Locale.ROOT, "%.2f ± %.2f%s", mean, std, failed)
          : String.format(Locale.ROOT, "%.2f%s", mean, failed);
      return errors.size() > 1 ? aggregate + " " + perSeed() : aggregate;
    }

    /**
     * The seeds' errors in seed order, e.g. "[38.87, 89.93, 41.02]" ("div" for a seed that diverged or
     * failed): with few seeds and outcomes that split into "trains" and "collapses", mean ± std alone hides
     * what happened.
     */
    public String perSeed() {
      StringBuilder s = new StringBuilder("[");
      for (double e : errors) {
        s.append(s.length() == 1 ? "" : ", ").append(Double.isNaN(e) ? "div" : String.format(Locale.ROOT, "%.2f", e));
      }
      return s.append(']').toString();
    }
  }

  public static final List<String> CSV_HEADER = List.of("row", "kn", "k", "n", "optimizer", "scaling", "warmup", "peak_lr",
      "seeds", "error_mean_pct", "error_std_pct", "errors_pct", "reference");

  /**
   * Reads the runs of {@code plan} under {@code experimentDir}; missing runs and runs still running (no
   * {@code result.json} yet) count as not run, so a table collected while other seeds train shows only
   * finished ones.
   */
  public static ResultTable collect(Experiments.Plan plan, Path experimentDir, int lastEpochs) {
    List<Line> lines = new ArrayList<>();
    for (Experiments.Row row : plan.rows()) {
      List<Double> errors = new ArrayList<>();
      RunSpec first = null;
      for (RunSpec s : plan.runs()) {
        if (!s.row().equals(row.label())) {
          continue;
        }
        first = first == null ? s : first;
        Path dir = experimentDir.resolve(s.id());
        if (RunData.isRunDir(dir)) {
          RunData run = RunData.load(dir);
          if (run.finished()) {
            errors.add(100 * run.finalTestError(lastEpochs));
          }
        }
      }
      if (first == null) {
        continue;
      }
      double[] ok = errors.stream().mapToDouble(Double::doubleValue).filter(e -> !Double.isNaN(e)).toArray();
      double mean = ok.length == 0 ? Double.NaN : java.util.Arrays.stream(ok).average().orElse(Double.NaN);
      double std = 0;
      for (double e : ok) {
        std += (e - mean) * (e - mean);
      }
      std = ok.length > 1 ? Math.sqrt(std / (ok.length - 1)) : 0;
      lines.add(new Line(row.label(), first.globalBatch(), first.workers(), first.perWorkerBatch(), first.optimizer(),
          first.lr().rule().name().toLowerCase(Locale.ROOT), first.warmup(),
          first.peakLr(), errors, mean, std, row.reference()));
    }
    return new ResultTable(plan, lastEpochs, lines);
  }

  public String markdown() {
    StringBuilder s = new StringBuilder();
    s.append("| row | kn | k × n | optimizer | scaling | warmup | peak η | seeds | test error % | ")
        .append(plan.referenceColumn()).append(" |\n");
    s.append("|---|---:|---:|---|---|---|---:|---:|---:|---|\n");
    for (Line l : lines) {
      s.append(String.format(Locale.ROOT, "| %s | %d | %d × %d | %s | %s | %s | %.4g | %d | %s | %s |%n", l.row(),
          l.globalBatch(), l.workers(), l.perWorkerBatch(), l.optimizer(), l.scaling(), l.warmup(), l.peakLr(),
          l.errors().size(), l.errorText(), l.reference()));
    }
    return s.toString();
  }

  public String csv() {
    StringBuilder s = new StringBuilder(Csv.line(CSV_HEADER));
    for (Line l : lines) {
      StringBuilder errs = new StringBuilder();
      for (double e : l.errors()) {
        errs.append(errs.length() == 0 ? "" : ";").append(Double.isNaN(e) ? "NaN" : String.format(Locale.ROOT, "%.3f", e));
      }
      s.append(Csv.line(List.of(l.row(), Integer.toString(l.globalBatch()), Integer.toString(l.workers()),
          Integer.toString(l.perWorkerBatch()), l.optimizer(), l.scaling(), l.warmup(),
          String.format(Locale.ROOT, "%.6g", l.peakLr()), Integer.toString(l.errors().size()),
          fmt(l.mean()), fmt(l.std()), errs.toString(), l.reference())));
    }
    return s.toString();
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.3f", v);
  }

  /** Writes table.md (with a title and the error rule) and table.csv into {@code dir}. */
  public void write(Path dir) {
    write(dir, List.of());
  }

  /**
   * Writes table.md (with a title, the error rule and, when there are checks, the pre-stated criteria's verdicts
   * under the table) and table.csv into {@code dir}, and the checks as criteria.csv when there are any.
   */
  public void write(Path dir, List<Criteria.Check> checks) {
    String md = "## " + plan.title() + "\n\nTest error = median of the last " + lastEpochs
        + " epoch(s)' test errors per run; mean ± std over seeds, then each seed's error in brackets.\n\n" + markdown();
    if (!checks.isEmpty()) {
      md += "\n" + Criteria.markdown(checks);
      AtomicFiles.writeString(dir.resolve("criteria.csv"), Criteria.csv(checks));
    }
    AtomicFiles.writeString(dir.resolve("table.md"), md);
    AtomicFiles.writeString(dir.resolve("table.csv"), csv());
  }
}
