package dev.bigbatch.train;

import dev.bigbatch.schedule.ScheduleSwitch;

import dev.bigbatch.spec.JobSpec;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar per epoch (steps, loss, examples/s) on an interactive terminal; one summary line
 * per epoch always (so logs and CI output stay readable).
 */
public final class ConsoleProgress implements TrainListener {
  private final PrintStream out;
  private final boolean interactive;
  private ProgressBar bar;
  private double emaLoss = Double.NaN;

  public ConsoleProgress(PrintStream out) {
    this(out, System.console() != null);
  }

  public ConsoleProgress(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  @Override
  public void onStart(JobSpec c, String model, int stepsPerEpoch, long totalSteps, StepPlan.Rates lr) {
    String peakText = Double.isNaN(lr.peakLr())
        ? String.format(Locale.ROOT, "peak lr found by AutoWU (search up to %.4g)", lr.autoWuMaxLr())
        : String.format(Locale.ROOT, "peak lr %.4g", lr.peakLr());
    out.printf(Locale.ROOT, "bigbatch: %s; %s; %d steps/epoch, %d steps, %s%n", model, c.summary(), stepsPerEpoch,
        totalSteps, peakText);
  }

  @Override
  public void onStep(StepMetrics m) {
    emaLoss = Double.isNaN(emaLoss) ? m.loss() : 0.9 * emaLoss + 0.1 * m.loss();
    if (!interactive) {
      return;
    }
    if (bar == null) {
      bar = new ProgressBarBuilder().setTaskName("epoch " + (m.epoch() + 1)).setInitialMax(m.stepsPerEpoch())
          .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).continuousUpdate().build();
    }
    bar.stepTo(m.stepInEpoch() + 1L);
    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f lr %.3g %.0f ex/s", emaLoss, m.lr(), m.examples() / m.seconds()));
  }

  @Override
  public void onScheduleSwitch(ScheduleSwitch s) {
    out.printf(Locale.ROOT, "autowu: warmup ends at step %d (%s): smoothed loss min %.4f at step %d, now %.4f, "
            + "P(min in the past) %.3f after %d tests; decay from lr %.4g (the warmup lr at step %d) instead of %.4g; "
            + "GP %d points, %.1f ms in all%n", s.step(), s.reason(), s.smoothedMinLoss(), s.argminStep(),
        s.smoothedLastLoss(), s.probabilityPastMinimum(), s.tests(), s.peakLr(), s.argminStep(), s.warmupLr(),
        s.gpPoints(), s.gpMillis());
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    out.printf(Locale.ROOT,
        "epoch %d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.0f examples/s, data wait %.1f s, %.1f s%n",
        m.epoch() + 1, m.trainLoss(), 100 * m.trainAccuracy(), m.testLoss(), 100 * m.testAccuracy(),
        m.examplesPerSecond(), m.dataWaitSeconds(), m.seconds());
  }

  @Override
  public void onBatchDecision(BatchDecision d) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    out.printf(Locale.ROOT,
        "autopilot at step %d (epoch %.2f): B_simple = %.0f (|G|^2 = %.4g, tr(Sigma) = %.4g over %d steps at %d/%d)"
            + " -> global batch %d -> %d, lr %.4g -> %.4g (%s)%n",
        d.step(), d.progressEpochs(), d.bSimple(), d.gradNormSq(), d.traceSigma(), d.windowSteps(), d.smallBatch(),
        d.bigBatch(), d.oldGlobalBatch(), d.newGlobalBatch(), d.oldLr(), d.newLr(), d.reason());
  }

  @Override
  public void onEnd(EpochMetrics last, Throwable error) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    if (error == null && last != null) {
      out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * last.testAccuracy());
    }
  }
}
