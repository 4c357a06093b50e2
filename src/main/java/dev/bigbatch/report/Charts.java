package dev.bigbatch.report;

import dev.bigbatch.io.AtomicFiles;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts rendered with XChart into small PNGs (written atomically). */
public final class Charts {
  /** One curve: its legend label and points; non-finite points are dropped. */
  public record Series(String label, double[] x, double[] y, boolean markers) {}

  public static final int WIDTH = 640;
  public static final int HEIGHT = 400;

  private Charts() {}

  /**
   * @param yCap values above it are drawn at it (a diverging run's loss would flatten every other
   *     curve); {@code Double.POSITIVE_INFINITY} for none
   */
  public static void line(Path png, String title, String xTitle, String yTitle, List<Series> series, boolean logX,
      double yCap) {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
        .build();
    // Error-vs-batch curves (log x) rise to the right, training curves fall: keep the legend off the data.
    chart.getStyler().setLegendPosition(logX ? Styler.LegendPosition.InsideNW : Styler.LegendPosition.InsideNE)
        .setChartBackgroundColor(Color.WHITE)
        .setMarkerSize(6);
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setYAxisDecimalPattern("#.###");
    int added = 0;
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Series s : series) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < Math.min(s.x().length, s.y().length); i++) {
        double x = s.x()[i];
        double y = Math.min(s.y()[i], yCap);
        if (Double.isFinite(x) && Double.isFinite(y) && (!logX || x > 0)) {
          xs.add(x);
          ys.add(y);
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries xy = chart.addSeries(unique(names, s.label()), xs, ys);
      xy.setMarker(s.markers() ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
      added++;
    }
    if (added == 0) {
      chart.addSeries("(no data)", new double[] {logX ? 1 : 0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
    }
    BufferedImage image = BitmapEncoder.getBufferedImage(chart);
    AtomicFiles.write(png, out -> {
      if (!ImageIO.write(image, "png", out)) {
        throw new java.io.IOException("no PNG writer");
      }
    });
  }

  private static String unique(java.util.Set<String> names, String label) {
    String l = label;
    for (int i = 2; names.contains(l); i++) {
      l = label + " (" + i + ")";
    }
    names.add(l);
    return l;
  }

  /** Exponential moving average, for noisy per-step curves. */
  public static double[] smooth(double[] y, double decay) {
    double[] out = new double[y.length];
    double ema = Double.NaN;
    for (int i = 0; i < y.length; i++) {
      ema = Double.isNaN(ema) || !Double.isFinite(y[i]) ? y[i] : decay * ema + (1 - decay) * y[i];
      out[i] = ema;
    }
    return out;
  }
}
