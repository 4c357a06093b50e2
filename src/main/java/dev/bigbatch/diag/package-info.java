/**
 * Diagnostics computed alongside training: the gradient noise scale (McCandlish et al. 2018).
 * Owns the estimators and the probes that feed them from a step's gradients; must not change what a
 * step computes (a probe restores every gradient and BN statistic it touches).
 */
package dev.bigbatch.diag;
