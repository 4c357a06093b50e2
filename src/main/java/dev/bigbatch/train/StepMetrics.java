package dev.bigbatch.train;

/** What one optimizer step measured; {@code loss} is the mean over the global batch. */
public record StepMetrics(long step, long epoch, int stepInEpoch, int stepsPerEpoch, double loss, double lr,
    long examples, double seconds) {}
