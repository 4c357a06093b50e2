/**
 * Assembles and runs a training job from a {@link dev.bigbatch.spec.JobSpec}: the one composition root, used by
 * {@code bigbatch train}, the Spark runner and Java programs ({@link Job}). It joins this process to the job
 * ({@link Cluster}: a single process, or a rank started by {@code bigbatch launch}, mpirun or srun), loads or takes
 * the data and the model, builds the sync strategy and its optimizer ({@code SyncStrategies}, the one place the
 * spec's {@code SyncSpec} picks one), the plan and listeners, claims the run directory, and runs
 * the {@code train.Trainer}.
 *
 * <p>Must not know: picocli or any command-line parsing (flags are mapped onto the spec in {@code cli}).
 */
package dev.bigbatch.job;
