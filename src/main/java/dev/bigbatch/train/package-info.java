/**
 * The trainer: a flat step loop (learning rate for this step, then {@link dev.bigbatch.train.TrainStep}:
 * forward/backward per chunk of virtual workers through the step's {@link dev.bigbatch.train.Objective}
 * with its {@link dev.bigbatch.train.Loss} normalised by the global batch, gradient synchronisation,
 * optimizer step),
 * the recipe that turns a {@link dev.bigbatch.spec.JobSpec} into a schedule, evaluation, and
 * listeners for metrics and progress, and the lock by which a run claims its output directory
 * ({@link dev.bigbatch.train.RunLock}). Logging, checkpoints and plots are listeners, never mixed into the math.
 */
package dev.bigbatch.train;
