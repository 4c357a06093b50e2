package dev.bigbatch.train;

/** Per-epoch summary: running training loss/accuracy over the epoch, test loss/accuracy, throughput. */
public record EpochMetrics(long epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
    double examplesPerSecond, double dataWaitSeconds, double seconds) {}
