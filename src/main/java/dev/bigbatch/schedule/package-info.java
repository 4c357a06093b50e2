/**
 * Learning-rate schedules as pure functions of the global step ({@code lrAt(step)}, no hidden
 * counters): scaling rules, warmups that wrap a main schedule, step/polynomial/cosine decays and the
 * LEGW warmup-length rule. The warmups and decays are {@link dev.bigbatch.schedule.LrCurve}s, defined between whole
 * steps too, so the one implementation serves a fixed batch (whole steps) and the autopilot's variable batch (the
 * epoch axis); {@code train.Recipe} places the job's recipe on either axis. The one exception is {@link dev.bigbatch.schedule.AdaptiveSchedule}
 * ({@link dev.bigbatch.schedule.AutoWu}), which also observes the global training loss, step by step, and
 * whose state is explicit ({@code state()}/{@code restore}) so checkpoints carry it; its Gaussian-process
 * smoothing is plain float64 Java ({@link dev.bigbatch.schedule.GaussianProcess}). Knows nothing about
 * tensors, models or the trainer.
 */
package dev.bigbatch.schedule;
