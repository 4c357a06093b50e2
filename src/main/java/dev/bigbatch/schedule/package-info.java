/**
 * Learning-rate schedules as pure functions of the global step ({@code lrAt(step)}, no hidden
 * counters): scaling rules, warmups that wrap a main schedule, step/polynomial/cosine decays and the
 * LEGW warmup-length rule. Knows nothing about tensors, models or the trainer.
 */
package dev.bigbatch.schedule;
