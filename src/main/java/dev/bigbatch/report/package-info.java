/**
 * Experiments and their reports: the published large-batch experiments as lists of train runs
 * ({@link dev.bigbatch.report.Experiments}), tables aggregated over seeds with Goyal's error rule
 * ({@link dev.bigbatch.report.ResultTable}), and PNG plots plus an HTML index
 * ({@link dev.bigbatch.report.Report}). Reads run directories; knows nothing of LibTorch and never
 * trains (the CLI runs the plans).
 */
package dev.bigbatch.report;
