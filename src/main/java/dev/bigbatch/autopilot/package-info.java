/**
 * The noise-scale autopilot ({@code bigbatch train --batch auto}): measures the gradient noise scale
 * B_simple (McCandlish et al. 2018) during training, picks the global batch k·n ≈ B_simple by changing
 * the number of workers k at a fixed per-worker batch n (so per-worker BN statistics never change),
 * and sets the learning rate by the run's scaling rule on an epoch (progress) axis (the recipe's one schedule,
 * {@link dev.bigbatch.train.Recipe#overProgress}). The decision rule
 * ({@link dev.bigbatch.autopilot.BatchAutopilot}) is plain arithmetic on gradient norms;
 * {@link dev.bigbatch.autopilot.AutoBatchPlan} is the {@link dev.bigbatch.train.StepPlan} that runs it in
 * the trainer's one step loop with a variable k. Knows the trainer's public parts; the trainer knows
 * nothing of it.
 */
package dev.bigbatch.autopilot;
