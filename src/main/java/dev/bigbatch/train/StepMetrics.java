package dev.bigbatch.train;

/**
 * What one optimizer step measured; {@code loss} is the mean over the global batch. Time split:
 * {@code dataSeconds} waiting for the prefetcher, {@code computeSeconds} forward + backward (with
 * overlapped allreduces running underneath), {@code commSeconds} the exposed communication (waiting
 * for gradient buckets and the loss sum after backward), {@code seconds} the whole step.
 */
public record StepMetrics(long step, long epoch, int stepInEpoch, int stepsPerEpoch, double loss, double lr,
    long examples, double seconds, double dataSeconds, double computeSeconds, double commSeconds) {}
