package dev.bigbatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables and plots from tiny synthetic run directories (what a train run writes), no training. */
class ReportTest {
  /** Writes a run directory: 5 epochs whose test errors are {@code testErrors} (fractions), 4 steps each. */
  static void fakeRun(Path dir, int kn, double peakLr, double[] testErrors, boolean completed) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), String.format(Locale.ROOT,
        "{\"config\":\"fake kn=%d\",\"globalBatch\":%d,\"stepsPerEpoch\":4,\"totalSteps\":%d,\"peakLr\":%g}", kn, kn,
        4 * testErrors.length, peakLr));
    StringBuilder m = new StringBuilder();
    for (int e = 0; e < testErrors.length; e++) {
      for (int s = 0; s < 4; s++) {
        long step = 4L * e + s;
        m.append(String.format(Locale.ROOT,
            "{\"kind\":\"step\",\"step\":%d,\"epoch\":%d,\"stepInEpoch\":%d,\"stepsPerEpoch\":4,\"loss\":%g,\"lr\":%g}%n",
            step, e, s, 2.0 / (1 + step), peakLr * Math.min(1, (step + 1) / 4.0)));
      }
      m.append(String.format(Locale.ROOT,
          "{\"kind\":\"epoch\",\"epoch\":%d,\"trainLoss\":%g,\"trainAccuracy\":%g,\"testLoss\":%g,\"testAccuracy\":%g}%n",
          e, 1.0 / (e + 1), 1 - testErrors[e] + 0.01, 1.0 / (e + 1), 1 - testErrors[e]));
    }
    if (!completed) {
      m.append("{\"kind\":\"step\",\"step\":99,\"loss\":"); // killed mid-line
    }
    Files.writeString(dir.resolve("metrics.jsonl"), m);
    Files.writeString(dir.resolve("result.json"), "{\"status\":\"" + (completed ? "completed" : "failed") + "\"}");
  }

  /** goyal-figure1 with 2 seeds, every run given error = base + seed/100 in its last epochs; kn=16k diverged. */
  static Path fakeFigure1(Path root) throws IOException {
    Budget b = Budget.QUICK.withSeeds(2);
    Experiments.Plan plan = Experiments.plan("goyal-figure1", b);
    Path dir = root.resolve(plan.name());
    StringBuilder index = new StringBuilder(Csv.line(List.of("row", "seed", "dir", "kn", "peak_lr")));
    for (RunSpec r : plan.runs()) {
      double base = 0.10 + 0.01 * Math.log(r.globalBatch() / 64.0) / Math.log(2);
      double err = base + r.seed() / 100.0;
      // epochs: noisy early, then the last three hold {err+0.02, err, err-0.02}: median = err.
      fakeRun(dir.resolve(r.id()), r.globalBatch(), r.peakLr(), new double[] {0.5, 0.3, err + 0.02, err, err - 0.02},
          r.globalBatch() != 16384);
      index.append(Csv.line(List.of(r.row(), Long.toString(r.seed()), r.id(), Integer.toString(r.globalBatch()),
          Double.toString(r.peakLr()))));
    }
    Files.writeString(dir.resolve("runs.csv"), index);
    Files.createDirectories(dir.resolve("noise-scale"));
    Files.writeString(dir.resolve("noise-scale").resolve("noise-scale.json"), "{\"bSimple\": 900.0}");
    ResultTable.collect(plan, dir, 3).write(dir);
    return dir;
  }

  @Test
  void tableUsesMedianOfLastEpochsAndMeanStdOverSeeds(@TempDir Path root) throws IOException {
    Path dir = fakeFigure1(root);
    List<List<String>> csv = Csv.parse(Files.readString(dir.resolve("table.csv")));
    assertEquals(ResultTable.CSV_HEADER, csv.get(0));
    assertEquals(1 + 9, csv.size());
    List<String> kn64 = csv.get(1);
    assertEquals("kn=64", kn64.get(0));
    assertEquals("64", kn64.get(1));
    assertEquals("2", kn64.get(8)); // seeds
    // seeds give 11% and 12%: mean 11.5, sample std 0.707
    assertEquals(11.5, Double.parseDouble(kn64.get(9)), 1e-6);
    assertEquals(Math.sqrt(0.5), Double.parseDouble(kn64.get(10)), 1e-3);
    assertEquals("11.000;12.000", kn64.get(11));
    List<String> kn16k = csv.get(9);
    assertEquals("NaN", kn16k.get(9), "a diverged row has no error");
    String md = Files.readString(dir.resolve("table.md"));
    assertTrue(md.contains("| kn=64 | 64 | 2 × 32 |"), md);
    assertTrue(md.contains("| 11.50 ± 0.71 [11.00, 12.00] |"), md);
    assertTrue(md.contains("diverged/failed"), md);
    assertTrue(md.contains("median of the last 3 epoch(s)"), md);
  }

  @Test
  void reportWritesDecodablePngsAndAnIndexThatShowsThem(@TempDir Path root) throws IOException {
    Path exp = fakeFigure1(root.resolve("runs"));
    Path single = root.resolve("single");
    fakeRun(single, 256, 0.1, new double[] {0.4, 0.3, 0.2, 0.15, 0.12}, true);
    Path out = root.resolve("report");
    List<Report.Section> sections = Report.sections(List.of(root.resolve("runs"), single));
    assertEquals(2, sections.size());
    assertEquals(900.0, sections.get(0).noiseScale());
    assertEquals(18, sections.get(0).runs().size());
    List<String> pngs = Report.write(sections, out);
    assertTrue(pngs.contains("goyal-figure1-error-vs-batch.png"), pngs.toString());
    assertTrue(pngs.contains("goyal-figure1-train-error.png"));
    assertTrue(pngs.contains("goyal-figure1-lr.png"));
    assertTrue(pngs.contains("runs-train-loss.png"));
    String html = Files.readString(out.resolve("index.html"));
    for (String png : pngs) {
      Path f = out.resolve(png);
      assertTrue(Files.size(f) > 1000, png + " is too small to be a plot");
      BufferedImage img = ImageIO.read(f.toFile());
      assertNotNull(img, png + " does not decode");
      assertEquals(Charts.WIDTH, img.getWidth());
      assertEquals(Charts.HEIGHT, img.getHeight());
      assertTrue(html.contains("<img src=\"" + png + "\""), png + " not referenced");
    }
    assertTrue(html.contains("<th>error_mean_pct</th>"), "table header shown");
    assertTrue(html.contains("<td>kn=8192</td>"), "table rows shown");
    assertTrue(html.contains("B_simple"), "noise scale shown");
    assertTrue(Files.isReadable(out.resolve("index.html")));
    assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(out.resolve("index.html"))), "report files are readable by others");
    try (Stream<Path> files = Files.list(out)) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left");
    }
  }

  @Test
  void emptyInputGetsAClearError(@TempDir Path root) {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Report.sections(List.of(root)));
    assertTrue(e.getMessage().contains("no runs found"), e.getMessage());
  }

  @Test
  void csvRoundTripsQuotesAndCommas() {
    List<String> fields = List.of("a, b", "say \"hi\"", "", "η=0.1·√32");
    assertEquals(List.of(fields, List.of("x")), Csv.parse(Csv.line(fields) + Csv.line(List.of("x"))));
    assertEquals(new ArrayList<List<String>>(), Csv.parse(""));
  }
}
