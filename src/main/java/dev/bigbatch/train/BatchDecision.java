package dev.bigbatch.train;

/**
 * One decision of the noise-scale autopilot ({@code --batch auto}) and the numbers behind it: the
 * window of {@code windowSteps} steps measured |G_small|² at {@code smallBatch} examples and
 * |G_big|² at {@code bigBatch}; {@code gradNormSq} (|G|²) and {@code traceSigma} (tr(Σ)) are their
 * EMA-averaged unbiased estimates and {@code bSimple} = tr(Σ)/|G|². The global batch goes from
 * {@code oldGlobalBatch} to {@code newGlobalBatch} (possibly unchanged) from the next step on, whose
 * learning rate becomes {@code newLr} (this step's was {@code oldLr}). {@code reason} says which rule
 * fired (initial choice, grow, clamp, kept).
 */
public record BatchDecision(long step, long epoch, double progressEpochs, int windowSteps, int smallBatch, int bigBatch,
    double gradNormSq, double traceSigma, double bSimple, int oldGlobalBatch, int newGlobalBatch, double oldLr,
    double newLr, String reason) {}
