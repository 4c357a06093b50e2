package dev.bigbatch.schedule;

/**
 * An adaptive schedule's phase change and the numbers behind it (logged to the console and to
 * {@code metrics.jsonl}).
 *
 * @param step first step that uses the decay phase's rate
 * @param reason {@code "minimum"} (the smoothed loss' minimum was confirmed) or {@code "cap"} (the warmup
 *     reached its maximum length without one)
 * @param warmupLr the rate the warmup would have used at {@code step}
 * @param peakLr the decay phase's starting rate: the warmup rate at the smoothed loss' minimum
 * @param argminStep the step where the smoothed (posterior-mean) loss is lowest
 * @param smoothedMinLoss posterior-mean loss at {@code argminStep}
 * @param smoothedLastLoss posterior-mean loss at the last observed step
 * @param probabilityPastMinimum max over earlier steps i of P(f_i &lt; f_last) under the GP posterior
 * @param tests minimum tests run during the warmup
 * @param gpPoints losses the last GP was conditioned on
 * @param gpMillis total wall time of all GP fits of the warmup
 */
public record ScheduleSwitch(long step, String reason, double warmupLr, double peakLr, long argminStep,
    double smoothedMinLoss, double smoothedLastLoss, double probabilityPastMinimum, int tests, int gpPoints,
    double gpMillis) {}
