package dev.bigbatch.report;

import dev.bigbatch.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Turns run directories into plots and an {@code index.html}. An input directory is an experiment
 * written by {@code bigbatch reproduce} (it has {@code runs.csv}), a parent of such directories, or a
 * single run (it has {@code metrics.jsonl}); single runs are shown together as one section.
 * Per section: training error and training loss vs epoch for every row (Goyal Fig. 2–3 style), the
 * learning rate per step, and, when the rows span several batch sizes, test error vs batch size with
 * the measured gradient noise scale (critical batch) marked.
 */
public final class Report {
  /** A section: its name, title, the table (parsed table.csv, may be empty), and labelled runs. */
  public record Section(String name, String title, List<List<String>> table, List<Labelled> runs, Double noiseScale) {}

  /** A run and the label its curves get. */
  public record Labelled(String label, RunData run) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private Report() {}

  /** Finds the sections in the given directories, in the order given. */
  public static List<Section> sections(List<Path> inputs) {
    List<Section> sections = new ArrayList<>();
    List<Labelled> singles = new ArrayList<>();
    for (Path in : inputs) {
      if (!Files.isDirectory(in)) {
        throw new IllegalArgumentException("not a directory: " + in);
      }
      if (Files.isRegularFile(in.resolve("runs.csv"))) {
        sections.add(experiment(in));
      } else if (RunData.isRunDir(in)) {
        singles.add(new Labelled(in.getFileName().toString(), RunData.load(in)));
      } else {
        List<Path> children = children(in);
        for (Path c : children) {
          if (Files.isRegularFile(c.resolve("runs.csv"))) {
            sections.add(experiment(c));
          } else if (RunData.isRunDir(c)) {
            singles.add(new Labelled(c.getFileName().toString(), RunData.load(c)));
          }
        }
      }
    }
    if (!singles.isEmpty()) {
      sections.add(new Section("runs", "Runs", List.of(), singles, null));
    }
    if (sections.isEmpty()) {
      throw new IllegalArgumentException("no runs found in " + inputs
          + "; give run directories (with metrics.jsonl) or experiment directories from bigbatch reproduce");
    }
    return sections;
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Section experiment(Path dir) {
    try {
      List<List<String>> index = Csv.parse(Files.readString(dir.resolve("runs.csv")));
      List<Labelled> runs = new ArrayList<>();
      for (List<String> r : index.subList(1, index.size())) {
        Path runDir = dir.resolve(r.get(2));
        if (RunData.isRunDir(runDir)) {
          runs.add(new Labelled(r.get(1).equals("1") ? r.get(0) : r.get(0) + " s" + r.get(1), RunData.load(runDir)));
        }
      }
      List<List<String>> table = Files.isRegularFile(dir.resolve("table.csv"))
          ? Csv.parse(Files.readString(dir.resolve("table.csv"))) : List.of();
      String title = dir.getFileName().toString();
      if (Files.isRegularFile(dir.resolve("table.md"))) {
        String first = Files.readAllLines(dir.resolve("table.md")).get(0);
        title = first.startsWith("## ") ? first.substring(3) : title;
      }
      Double noise = null;
      Path ns = dir.resolve("noise-scale").resolve("noise-scale.json");
      if (Files.isRegularFile(ns)) {
        JsonNode n = JSON.readTree(ns.toFile());
        noise = n.path("bSimple").asDouble(Double.NaN);
      }
      return new Section(dir.getFileName().toString(), title, table, runs, noise);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read experiment " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Writes the PNGs and index.html into {@code out}; returns the PNG file names written. */
  public static List<String> write(List<Section> sections, Path out) {
    List<String> pngs = new ArrayList<>();
    StringBuilder html = new StringBuilder(Html.head("bigbatch report"));
    for (Section s : sections) {
      html.append("<h2>").append(Html.esc(s.title())).append("</h2>\n");
      if (!s.table().isEmpty()) {
        html.append(Html.table(s.table()));
      }
      if (s.noiseScale() != null) {
        html.append(String.format(Locale.ROOT,
            "<p>Gradient noise scale B_simple measured at kn = 256: <b>%.0f</b> examples (≈ critical batch).</p>%n",
            s.noiseScale()));
      }
      List<String> mine = plots(s, out);
      pngs.addAll(mine);
      html.append("<div>\n");
      for (String png : mine) {
        html.append("<img src=\"").append(Html.esc(png)).append("\" alt=\"").append(Html.esc(png)).append("\">\n");
      }
      html.append("</div>\n");
    }
    html.append("</body></html>\n");
    AtomicFiles.writeString(out.resolve("index.html"), html.toString());
    return pngs;
  }

  static List<String> plots(Section s, Path out) {
    List<String> files = new ArrayList<>();
    List<Charts.Series> trainErr = new ArrayList<>();
    List<Charts.Series> trainLoss = new ArrayList<>();
    List<Charts.Series> lr = new ArrayList<>();
    for (Labelled l : s.runs()) {
      RunData r = l.run();
      double[] ex = r.epochs().stream().mapToDouble(e -> e.epoch() + 1).toArray();
      trainErr.add(new Charts.Series(l.label(), ex, r.epochs().stream().mapToDouble(e -> 100 * e.trainError()).toArray(), true));
      double[] sx = r.steps().stream().mapToDouble(RunData.Step::epochs).toArray();
      double[] loss = r.steps().stream().mapToDouble(RunData.Step::loss).toArray();
      trainLoss.add(new Charts.Series(l.label(), sx, Charts.smooth(loss, smoothing(loss.length)), false));
      lr.add(new Charts.Series(l.label(), sx, r.steps().stream().mapToDouble(RunData.Step::lr).toArray(), false));
    }
    files.add(chart(out, s.name() + "-train-error.png", s.name() + ": training error", "epoch", "training error %",
        trainErr, false, 100));
    files.add(chart(out, s.name() + "-train-loss.png", s.name() + ": training loss (EMA over steps)", "epoch",
        "training loss", trainLoss, false, 4));
    files.add(chart(out, s.name() + "-lr.png", s.name() + ": learning rate per step", "epoch (step / steps per epoch)",
        "learning rate", lr, false, Double.POSITIVE_INFINITY));
    TreeMap<Integer, List<Double>> byBatch = errorByBatch(s);
    if (byBatch.size() >= 2) {
      List<Charts.Series> series = new ArrayList<>();
      double[] kn = byBatch.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
      double[] err = byBatch.values().stream().mapToDouble(v -> v.stream().mapToDouble(Double::doubleValue).average()
          .orElse(Double.NaN)).toArray();
      series.add(new Charts.Series("test error (mean over rows/seeds)", kn, err, true));
      if (s.noiseScale() != null && Double.isFinite(s.noiseScale()) && s.noiseScale() > 0) {
        double lo = java.util.Arrays.stream(err).filter(Double::isFinite).min().orElse(0);
        double hi = java.util.Arrays.stream(err).filter(Double::isFinite).max().orElse(100);
        series.add(new Charts.Series(String.format(Locale.ROOT, "noise scale B_simple = %.0f", s.noiseScale()),
            new double[] {s.noiseScale(), s.noiseScale()}, new double[] {lo, hi}, false));
      }
      files.add(chart(out, s.name() + "-error-vs-batch.png", s.name() + ": test error vs minibatch size kn", "kn (log scale)",
          "test error %", series, true, 100));
    }
    return files;
  }

  /** Mean test error per global batch from the section's table (or the runs when there is no table). */
  static TreeMap<Integer, List<Double>> errorByBatch(Section s) {
    TreeMap<Integer, List<Double>> m = new TreeMap<>();
    if (!s.table().isEmpty()) {
      List<String> header = s.table().get(0);
      int knCol = header.indexOf("kn");
      int errCol = header.indexOf("error_mean_pct");
      for (List<String> row : s.table().subList(1, s.table().size())) {
        double e = Double.parseDouble(row.get(errCol));
        if (Double.isFinite(e)) {
          m.computeIfAbsent(Integer.parseInt(row.get(knCol)), k -> new ArrayList<>()).add(e);
        }
      }
    } else {
      for (Labelled l : s.runs()) {
        double e = 100 * l.run().finalTestError(1);
        if (l.run().globalBatch() > 0 && Double.isFinite(e)) {
          m.computeIfAbsent(l.run().globalBatch(), k -> new ArrayList<>()).add(e);
        }
      }
    }
    return m;
  }

  private static double smoothing(int steps) {
    return steps < 50 ? 0 : steps < 500 ? 0.9 : 0.98;
  }

  private static String chart(Path out, String file, String title, String x, String y, List<Charts.Series> series,
      boolean logX, double yCap) {
    Charts.line(out.resolve(file), title, x, y, series, logX, yCap);
    return file;
  }
}
