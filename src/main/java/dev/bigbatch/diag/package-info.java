/**
 * Diagnostics and predictions: the α-β cost model of a data-parallel step ({@link dev.bigbatch.diag.CostModel})
 * and a probe that measures compute per example on this machine ({@link dev.bigbatch.diag.ComputeProbe}).
 * The cost model is pure arithmetic and knows nothing about tensors or sockets; only the probe touches LibTorch.
 */
package dev.bigbatch.diag;
