/**
 * Diagnostics and predictions: the gradient noise scale (McCandlish et al. 2018) computed alongside
 * training, the α-β cost model of a data-parallel step ({@link dev.bigbatch.diag.CostModel}) and a probe
 * that measures compute per example on this machine ({@link dev.bigbatch.diag.ComputeProbe}). The cost
 * model is pure arithmetic; noise-scale probes must not change what a step computes (they restore every
 * gradient and BN statistic they touch).
 */
package dev.bigbatch.diag;
